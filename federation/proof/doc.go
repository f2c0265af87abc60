// Package proof verifies and makes the signatures an activity carries in
// its body, so that it can be trusted when a server other than its
// author's delivers it: FEP-8b32 integrity proofs (DataIntegrityProof,
// cryptosuite eddsa-jcs-2022, which Fedify sends) and Linked Data
// signatures (RsaSignature2017, which Mastodon puts on the replies it
// forwards).
//
// It knows nothing of actors or fetching: the caller resolves the key
// named by the proof and passes it in.
package proof
