//! The host half: an Extism plug-in per instance, called through
//! `Plugin::call` with raw bytes both ways.

use abi_api::{
    CallStyle, Engine, Error, ErrorKind, Linkage, Loader, MicroVisitor, Multiply, PayloadVisitor,
    Result, RuntimeId,
};
use extism::{CompiledPlugin, Manifest, Plugin, PluginBuilder, Wasm};
use payload::{Digest, Direction, Exchange, Shape};
use runtimes::EngineConfig;

/// Hands `visitor` the loader of the micro host, if `engine` is a
/// Wasmtime (Cranelift) engine and the calls typed.
pub fn micro<E: Engine, L: Linkage, V: MicroVisitor>(engine: &E, visitor: V) -> Result<V::Output> {
    let loader = loader::<E, L>(engine)?;
    Ok(visitor.visit(loader))
}

/// The same for the payload host.
pub fn payload<E: Engine, L: Linkage, V: PayloadVisitor>(
    engine: &E,
    visitor: V,
) -> Result<V::Output> {
    let loader = loader::<E, L>(engine)?;
    Ok(visitor.visit(loader))
}

fn loader<E: Engine, L: Linkage>(engine: &E) -> Result<ExtismLoader> {
    if engine.id() != RuntimeId::Wasmtime {
        return Err(crate::wasmtime_only(engine.id()));
    }
    if L::STYLE != CallStyle::Typed {
        return Err(ErrorKind::Unsupported(
            "Extism has one call path (Plugin::call, by name, through a value array): \
             its cells are at call=typed"
                .into(),
        )
        .into());
    }
    let config = engine.config();
    if config.pool.is_some() {
        return Err(ErrorKind::Unsupported(
            "Extism builds its own Wasmtime engine for each compiled plug-in and offers no \
             pooling allocator option"
                .into(),
        )
        .into());
    }
    Ok(ExtismLoader { config })
}

/// Compiles with Extism's own engine (one per compiled plug-in, as
/// `CompiledPlugin::new` builds it), instantiates a `Plugin` from it.
pub struct ExtismLoader {
    config: EngineConfig,
}

/// An Extism error (an `anyhow::Error`) as a trap of the cell.
#[cold]
fn failed(e: extism::Error) -> Error {
    ErrorKind::Trap(format!("extism: {e:#}")).into()
}

impl Loader for ExtismLoader {
    type Module = CompiledPlugin;
    type Host = ExtismHost;

    fn compile(&self, wasm: &[u8]) -> Result<CompiledPlugin> {
        let mut manifest = Manifest::new([Wasm::data(wasm.to_vec())]);
        if let Some(budget) = self.config.limits {
            manifest = manifest
                .with_memory_max(budget.pages())
                .with_timeout(budget.deadline);
        }
        PluginBuilder::new(manifest)
            .with_wasi(false)
            .with_cache_disabled()
            .compile()
            .map_err(|e| ErrorKind::Compile(format!("extism: {e:#}")).into())
    }

    fn instantiate(&self, module: &CompiledPlugin) -> Result<ExtismHost> {
        let plugin = Plugin::new_from_compiled(module)
            .map_err(|e| Error::from(ErrorKind::Instantiate(format!("extism: {e:#}"))))?;
        for name in EXPORTS {
            if !plugin.function_exists(name) {
                return Err(ErrorKind::MissingExport(name.to_string()).into());
            }
        }
        Ok(ExtismHost { plugin })
    }
}

/// Every export the guest must have (`guests/extism`).
const EXPORTS: [&str; 8] = [
    "micro_mul_i32",
    "micro_mul_f32",
    "payload_string_in",
    "payload_string_out",
    "payload_string_roundtrip",
    "payload_list_in",
    "payload_list_out",
    "payload_list_roundtrip",
];

/// A live plug-in.
pub struct ExtismHost {
    plugin: Plugin,
}

/// Reads a fixed-size reply.
#[inline(always)]
fn fixed<const N: usize>(export: &str, reply: &[u8]) -> Result<[u8; N]> {
    reply
        .try_into()
        .map_err(|_| wrong_length(export, reply.len(), N))
}

#[cold]
fn wrong_length(export: &str, got: usize, want: usize) -> Error {
    ErrorKind::Abi(format!("{export} answered {got} bytes, expected {want}")).into()
}

/// A generator's arguments: `seed: u64le, n: u32le`.
#[inline(always)]
fn seed_and_len(seed: u64, n: usize) -> Result<[u8; 12]> {
    let n = u32::try_from(n).map_err(|_| Error::from(ErrorKind::Abi("length above u32".into())))?;
    let mut args = [0u8; 12];
    args[..8].copy_from_slice(&seed.to_le_bytes());
    args[8..].copy_from_slice(&n.to_le_bytes());
    Ok(args)
}

impl ExtismHost {
    /// One call: `input` in, the output's bytes (in Extism's memory,
    /// valid until the next call) out.
    #[inline(always)]
    fn call(&mut self, export: &str, input: &[u8]) -> Result<&[u8]> {
        self.plugin
            .call::<&[u8], &[u8]>(export, input)
            .map_err(failed)
    }

    #[inline(always)]
    fn digest_reply(&mut self, export: &'static str, input: &[u8]) -> Result<u64> {
        let reply = self.call(export, input)?;
        Ok(u64::from_le_bytes(fixed::<8>(export, reply)?))
    }

    #[inline(always)]
    fn text_reply(&mut self, export: &'static str, input: &[u8]) -> Result<u64> {
        let reply = self.call(export, input)?;
        let s = std::str::from_utf8(reply)
            .map_err(|e| Error::from(ErrorKind::Decode(format!("{export}: {e}"))))?;
        Ok(Digest::new().str(s).finish())
    }

    #[inline(always)]
    fn list_reply(&mut self, export: &'static str, input: &[u8]) -> Result<u64> {
        let reply = self.call(export, input)?;
        if !reply.len().is_multiple_of(4) {
            return Err(wrong_length(export, reply.len(), reply.len() / 4 * 4));
        }
        let xs = reply
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
        Ok(Digest::new().u32s(xs).finish())
    }
}

/// A list's bytes as the guest reads them: its `u32`s, little-endian, in
/// place (the host is little-endian, as wasm is).
#[inline(always)]
fn list_bytes(xs: &[u32]) -> &[u8] {
    bytemuck::cast_slice(xs)
}

impl Multiply for ExtismHost {
    type Error = Error;

    #[inline(always)]
    fn mul_i32(&mut self, a: i32, b: i32) -> Result<i32> {
        let mut args = [0u8; 8];
        args[..4].copy_from_slice(&a.to_le_bytes());
        args[4..].copy_from_slice(&b.to_le_bytes());
        let reply = self.call("micro_mul_i32", &args)?;
        Ok(i32::from_le_bytes(fixed::<4>("micro_mul_i32", reply)?))
    }

    #[inline(always)]
    fn mul_f32(&mut self, a: f32, b: f32) -> Result<f32> {
        let mut args = [0u8; 8];
        args[..4].copy_from_slice(&a.to_le_bytes());
        args[4..].copy_from_slice(&b.to_le_bytes());
        let reply = self.call("micro_mul_f32", &args)?;
        Ok(f32::from_le_bytes(fixed::<4>("micro_mul_f32", reply)?))
    }
}

impl Exchange for ExtismHost {
    type Error = Error;

    fn carries(shape: Shape, _: Direction) -> std::result::Result<(), &'static str> {
        match shape {
            Shape::String | Shape::List => Ok(()),
            Shape::Record | Shape::Nested => {
                Err("the Extism guest carries text and lists only (bytes in, bytes out)")
            }
        }
    }

    #[cold]
    fn unsupported(shape: Shape, direction: Direction) -> Error {
        ErrorKind::Unsupported(format!("Extism does not carry {shape} {direction} here")).into()
    }

    #[inline(always)]
    fn string_in(&mut self, s: &str) -> Result<u64> {
        self.digest_reply("payload_string_in", s.as_bytes())
    }
    #[inline(always)]
    fn string_out(&mut self, seed: u64, len: usize) -> Result<u64> {
        let args = seed_and_len(seed, len)?;
        self.text_reply("payload_string_out", &args)
    }
    #[inline(always)]
    fn string_roundtrip(&mut self, s: &str) -> Result<u64> {
        self.text_reply("payload_string_roundtrip", s.as_bytes())
    }
    #[inline(always)]
    fn list_in(&mut self, xs: &[u32]) -> Result<u64> {
        self.digest_reply("payload_list_in", list_bytes(xs))
    }
    #[inline(always)]
    fn list_out(&mut self, seed: u64, n: usize) -> Result<u64> {
        let args = seed_and_len(seed, n)?;
        self.list_reply("payload_list_out", &args)
    }
    #[inline(always)]
    fn list_roundtrip(&mut self, xs: &[u32]) -> Result<u64> {
        self.list_reply("payload_list_roundtrip", list_bytes(xs))
    }
}
