//! The ABI registry: the one place an ABI crate is wired into the harness.
//!
//! Adding an ABI is one line in the `registry!` call below (plus its
//! dependency in `Cargo.toml`); see `docs/adding-an-abi.md`.

use abi_api::{Abi, Factor};

/// Code to run with an ABI's concrete type (a generic closure).
pub trait AbiVisitor {
    /// What the visit produces.
    type Output;
    /// Called with the chosen ABI.
    fn visit<A: Abi>(self) -> Self::Output;
}

/// What the harness needs to know about an ABI without visiting it.
#[derive(Clone, Copy)]
pub struct AbiInfo {
    /// Its id.
    pub id: AbiId,
    /// One line for `harness list`.
    pub about: &'static str,
    /// Its guest's short name in `guest_artifacts`.
    pub guest: &'static str,
    /// The scenarios it implements.
    pub scenarios: &'static [&'static str],
    /// Its own factors.
    pub factors: &'static [Factor],
    /// Whether it brings its own (component) runtime.
    pub component: bool,
    /// Its own factors in the simulator scenario.
    pub sim_factors: &'static [Factor],
    /// Whether a cell with these factors exists (see `Abi::applies`).
    pub applies: fn(&[(&'static str, &'static str)]) -> bool,
}

macro_rules! registry {
    ($($variant:ident => $ty:ty),+ $(,)?) => {
        runtimes::id_enum! {
            /// An ABI: one value of the ABI axis.
            pub enum AbiId ("ABI") {
                $(
                    #[doc = concat!("`", stringify!($ty), "`.")]
                    $variant = { <$ty as Abi>::ID },
                )+
            }
        }

        /// Runs `visitor` with the ABI `id`'s type.
        pub fn with_abi<V: AbiVisitor>(id: AbiId, visitor: V) -> V::Output {
            match id {
                $(AbiId::$variant => visitor.visit::<$ty>(),)+
            }
        }

        impl AbiId {
            /// Its static description.
            pub fn info(self) -> AbiInfo {
                match self {
                    $(AbiId::$variant => AbiInfo {
                        id: self,
                        about: <$ty as Abi>::ABOUT,
                        guest: <$ty as Abi>::GUEST,
                        scenarios: <$ty as Abi>::SCENARIOS,
                        factors: <$ty as Abi>::FACTORS,
                        component: <$ty as Abi>::COMPONENT,
                        sim_factors: <$ty as Abi>::SIM_FACTORS,
                        applies: <$ty as Abi>::applies,
                    },)+
                }
            }
        }
    };
}

registry! {
    Pair => abi_pair::Pair,
    Bytemuck => abi_bytemuck::BytemuckAbi,
    Bincode => abi_bincode::BincodeAbi,
    Protobuf => abi_protobuf::ProtobufAbi,
    Wit => abi_wit::Wit,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_abi_has_a_guest_and_a_unique_id() {
        let mut ids: Vec<&str> = AbiId::ALL.iter().map(|a| a.id()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), AbiId::ALL.len());
        for a in AbiId::ALL {
            assert!(
                guest_artifacts::guest(a.info().guest).is_some(),
                "{a}: no guest named {}",
                a.info().guest
            );
        }
    }
}
