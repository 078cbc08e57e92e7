//! Charts drawn with plotters.
