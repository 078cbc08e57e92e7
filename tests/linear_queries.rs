//! Every GraphQL document the Linear source sends validates against Linear's published schema
//! (`schemas/linear.graphql`): a document that does not validate fails on Linear.

use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use teamlens::sources::linear::documents::Document;

fn linear_schema() -> Valid<Schema> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/linear.graphql");
    let sdl = std::fs::read_to_string(path).expect("the shared Linear schema");
    // Built leniently, as GitHub's is; the documents are then checked strictly.
    let schema = match Schema::parse(sdl, path) {
        Ok(schema) => schema,
        Err(with_errors) => with_errors.partial,
    };
    assert!(schema.types.contains_key("Issue"), "schema did not load");
    Valid::assume_valid(schema)
}

#[test]
fn every_linear_document_validates_against_the_schema() {
    let schema = linear_schema();
    let mut failures = Vec::new();
    for document in Document::ALL {
        let text = document.text();
        if let Err(errors) =
            ExecutableDocument::parse_and_validate(&schema, text, document.file_name())
        {
            failures.push(format!("{}:\n{}", document.file_name(), errors.errors));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_document_with_a_wrong_field_is_caught() {
    let schema = linear_schema();
    let text = Document::IssueHistory.text().replace("toTitle", "newTitle");
    assert!(ExecutableDocument::parse_and_validate(&schema, text, "broken.graphql").is_err());
}
