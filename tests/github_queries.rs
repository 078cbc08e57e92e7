//! Every GraphQL document the GitHub source sends validates against GitHub's published schema
//! (`schemas/github.graphql`): a document that does not validate fails on github.com.

use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use teamlens::sources::github::documents::Document;

fn github_schema() -> Valid<Schema> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/github.graphql");
    let sdl = std::fs::read_to_string(path).expect("the shared GitHub schema");
    // GitHub's SDL defines two fields of EnterpriseOwnerInfo twice; a strict SDL check rejects
    // the file, so the schema is built leniently and the documents are then checked strictly.
    let schema = match Schema::parse(sdl, path) {
        Ok(schema) => schema,
        Err(with_errors) => with_errors.partial,
    };
    assert!(
        schema.types.contains_key("PullRequest"),
        "schema did not load"
    );
    Valid::assume_valid(schema)
}

#[test]
fn every_github_document_validates_against_the_schema() {
    let schema = github_schema();
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
    let schema = github_schema();
    let text = Document::PullRequestFiles
        .text()
        .replace("additions", "linesAdded");
    assert!(ExecutableDocument::parse_and_validate(&schema, text, "broken.graphql").is_err());
}
