//! The W3C vc-di-eddsa proof set and chain vectors (`proof-set-chain/`), read in
//! place: each proof is paired with exactly the document its signer secured, as
//! Data Integrity's "Verify Proof Sets and Chains" builds it.

use std::path::PathBuf;

use dwp_verifier::integrity;
use dwp_verifier::proof::{self, ProofError};
use serde_json::{Map, Value};

fn json(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/vectors/w3c-vc-di-eddsa/proof-set-chain")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("vector {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("vector {name}: {e}"))
}

fn without_proof(v: &Value) -> Map<String, Value> {
    let mut m = v.as_object().expect("object").clone();
    m.remove("proof");
    m
}

#[test]
fn each_proof_of_the_chain_secures_the_document_its_signer_saw() {
    let chain = json("signedProofChain2.json");
    let inputs = integrity::proof_inputs(&chain).expect("signedProofChain2.json splits");
    assert_eq!(inputs.len(), 4, "signedProofChain2.json");
    let unsigned = without_proof(&json("unsigned.json"));
    assert_eq!(inputs[0].unsecured, unsigned, "proof 1 secures unsigned.json");
    assert_eq!(inputs[1].unsecured, unsigned, "proof 2 secures unsigned.json");
    let temp1 = json("proofChainTempDoc1.json");
    assert_eq!(Value::Object(inputs[2].unsecured.clone()), temp1, "proof 3 secures proofChainTempDoc1.json");
    let temp2 = json("proofChainTempDoc2.json");
    assert_eq!(Value::Object(inputs[3].unsecured.clone()), temp2, "proof 4 secures proofChainTempDoc2.json");
    for (i, input) in inputs.iter().enumerate() {
        assert_eq!(Value::Object(input.proof.clone()), chain["proof"][i], "proof {} is carried whole", i + 1);
    }
}

#[test]
fn a_chain_that_names_a_missing_proof_is_refused() {
    let mut chain = json("signedProofChain2.json");
    chain["proof"].as_array_mut().expect("proofs").remove(2);
    assert_eq!(
        integrity::proof_inputs(&chain),
        Err(ProofError::PreviousProof),
        "signedProofChain2.json without proof 3"
    );
    let set = json("signedProofSet2.json");
    assert_eq!(
        proof::split(&set, proof::EDDSA_JCS_2022).map(|_| ()),
        Err(ProofError::ProofSet),
        "signedProofSet2.json"
    );
}
