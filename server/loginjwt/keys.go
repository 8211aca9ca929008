package loginjwt

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"

	jose "github.com/go-jose/go-jose/v4"
)

// allowedAlgorithms are the only "alg" values a token may carry. They are all asymmetric:
// with a JWKS of public keys, accepting an HMAC algorithm would let anyone who has read the
// JWKS mint tokens (the key-confusion attack), and "none" needs no key at all. go-jose
// refuses any other value while parsing, before a key is even looked up.
var allowedAlgorithms = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512,
	jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512,
	jose.EdDSA,
}

// minRSABits is the smallest RSA modulus a JWKS key may have. Go refuses keys under 1024
// bits on its own; 2048 is the floor every current guideline sets for signatures.
const minRSABits = 2048

// usableFor reports whether key may verify a token signed with alg. go-jose does not check
// this itself: an RSA key verifies RS* and PS* alike and the JWK's own "alg" is not
// consulted, so a key published for RS256 only would otherwise accept a PS256 token.
func usableFor(key jose.JSONWebKey, alg jose.SignatureAlgorithm) bool {
	if key.Algorithm != "" && key.Algorithm != string(alg) {
		return false
	}
	switch k := key.Key.(type) {
	case *rsa.PublicKey:
		switch alg {
		case jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512:
			return true
		}
	case *ecdsa.PublicKey:
		switch alg {
		case jose.ES256:
			return k.Curve == elliptic.P256()
		case jose.ES384:
			return k.Curve == elliptic.P384()
		case jose.ES512:
			return k.Curve == elliptic.P521()
		}
	case ed25519.PublicKey:
		return alg == jose.EdDSA
	}
	return false
}

// signingKey reports whether a key parsed from the JWKS may ever verify a token: a public
// asymmetric key meant for signatures. The set is fetched over the network and is not
// trusted to be well formed, so everything else is dropped rather than rejected as a whole
// (RFC 7517 section 5 asks the same of unknown key types).
func signingKey(key jose.JSONWebKey) bool {
	// "use" is optional; when present only "sig" fits. Keys published for encryption must
	// not double as signature keys.
	if key.Use != "" && key.Use != "sig" {
		return false
	}
	// A key published with its private half is compromised: whoever read the JWKS can sign
	// with it. Symmetric ("oct") keys are not public either, and are refused for the same
	// reason HS256 is.
	if !key.IsPublic() || !key.Valid() {
		return false
	}
	switch k := key.Key.(type) {
	case *rsa.PublicKey:
		return k.N.BitLen() >= minRSABits
	case *ecdsa.PublicKey, ed25519.PublicKey:
		return true
	}
	// Other public keys go-jose knows (ML-DSA) are not on our algorithm list.
	return false
}

// match picks the keys of s that may verify a token with the given kid and alg, or says why
// there are none.
//
// A token without a kid is accepted only when exactly one key fits its algorithm. Trying
// every key instead would multiply the cost of each forged token by the size of the set, and
// an issuer that publishes several keys is expected to say which one it used.
func (s *keySet) match(kid string, alg jose.SignatureAlgorithm) ([]jose.JSONWebKey, *Error) {
	var fit []jose.JSONWebKey
	kidKnown := false
	for _, key := range s.keys {
		if kid != "" && key.KeyID != kid {
			continue
		}
		kidKnown = true
		if usableFor(key, alg) {
			fit = append(fit, key)
		}
	}
	switch {
	case kid == "" && len(fit) > 1:
		return nil, refuse(reasonAmbiguousKey, nil)
	case len(fit) > 0:
		// Several keys may share a kid (RFC 7517 allows it); any of them may have signed.
		return fit, nil
	case kid != "" && kidKnown:
		return nil, refusef(nil, "token algorithm %s does not match its signing key", alg)
	default:
		return nil, refuse(reasonUnknownKey, nil)
	}
}
