//! GraphQL documents kept as files: an operation per file, the fragments the operations share in
//! a `fragments.graphql` beside them. GraphQL rejects a document that defines a fragment it does
//! not use, so [`assemble`] appends to an operation only the fragments it reaches (directly or
//! through other fragments). The GitHub and Linear sources both send their documents this way.

use std::collections::BTreeSet;

/// The operation followed by every fragment of `fragments` it reaches.
///
/// A spread naming a fragment `fragments` lacks is a mistake in the embedded files (the
/// sources' tests validate every assembled document), not an input error: it panics.
pub fn assemble(operation: &str, fragments: &'static str) -> String {
    let mut wanted: Vec<&str> = spreads(operation);
    let mut included: BTreeSet<&str> = BTreeSet::new();
    let mut text = operation.to_string();
    while let Some(name) = wanted.pop() {
        if !included.insert(name) {
            continue;
        }
        let fragment = fragment_definition(fragments, name)
            .unwrap_or_else(|| panic!("fragments.graphql has no fragment {name}"));
        wanted.extend(spreads(fragment));
        text.push('\n');
        text.push_str(fragment);
    }
    text
}

/// A GraphQL answer: the data the server could give, and the errors (of the server's own shape)
/// for what it could not. A server may give both: a fetch keeps the data and notes the errors.
#[derive(Debug, Clone)]
pub struct Answer<E> {
    pub data: serde_json::Value,
    pub errors: Vec<E>,
}

/// An answer's body as it comes over the wire, before the client decides what it means.
#[derive(Debug, serde::Deserialize)]
pub struct Envelope<E> {
    #[serde(default)]
    pub data: Option<serde_json::Value>,
    #[serde(default = "Vec::new")]
    pub errors: Vec<E>,
}

/// The names of the fragments spread (`...Name`) in a piece of GraphQL; inline fragments
/// (`... on Type`) are not spreads.
pub fn spreads(text: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("...") {
        rest = &rest[at + 3..];
        let name: &str = rest
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .next()
            .unwrap_or("");
        if !name.is_empty() && name != "on" {
            names.push(name);
        }
    }
    names
}

/// For each source's tests: the document `file` names its operation (`query Name(`) and
/// defines every fragment it spreads, so it can be sent as it is.
#[cfg(test)]
pub fn assert_self_contained(text: &str, operation: &str, file: &str) {
    assert!(text.contains(&format!("query {operation}(")), "{file}");
    for name in spreads(text) {
        assert!(
            text.contains(&format!("fragment {name} on ")),
            "{file} lacks {name}"
        );
    }
}

/// The text of `fragment Name on Type { … }` in `fragments`, up to its closing brace.
fn fragment_definition(fragments: &'static str, name: &str) -> Option<&'static str> {
    let header = format!("fragment {name} on ");
    let start = fragments.find(&header)?;
    let body = &fragments[start..];
    let mut depth = 0usize;
    for (offset, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&body[..=offset]);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_fragments_are_not_spreads() {
        assert_eq!(
            spreads("{ ... on User { login } ...ActorFields }"),
            vec!["ActorFields"]
        );
    }

    #[test]
    fn only_the_fragments_reached_are_appended() {
        const FRAGMENTS: &str =
            "fragment A on X { ...B }\nfragment B on X { b }\nfragment C on X { c }\n";
        let text = assemble("query Q { x { ...A } }", FRAGMENTS);
        assert!(text.contains("fragment A on X") && text.contains("fragment B on X"));
        assert!(!text.contains("fragment C"));
    }
}
