pub use pph_core;
