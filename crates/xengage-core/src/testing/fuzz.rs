//! `arbitrary::Arbitrary` for the inputs of a fuzz target (feature `testing`): endpoints, specs
//! as users write them, valid specs, and a valid request with its answer, maybe hostile.

use arbitrary::{Arbitrary, Result, Unstructured};

use crate::facts::Endpoint;
use crate::request::{GroupingSpec, Request, RequestSpec, ValidationOptions};

use super::Draw;
use super::spec;
use super::strategies::NOW;
use super::{Answer, Expected, Hostile, hostile, synthesize};

/// Choices read from a fuzzer's bytes (0 once they run out).
struct Bytes<'u, 'a>(&'u mut Unstructured<'a>);

impl Draw for Bytes<'_, '_> {
    fn below(&mut self, n: u64) -> u64 {
        if n <= 1 {
            return 0;
        }
        self.0.int_in_range(0..=n - 1).unwrap_or(0)
    }
}

impl<'a> Arbitrary<'a> for Endpoint {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(*u.choose(&super::ENDPOINTS)?)
    }
}

/// Mostly well-formed: three in four are valid at [`NOW`], one in eight has the mistakes of
/// [`invalid_request_spec`](super::strategies::invalid_request_spec), one in eight is any
/// strings at all.
impl<'a> Arbitrary<'a> for RequestSpec {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let endpoint = Endpoint::arbitrary(u)?;
        Ok(match u.int_in_range(0u8..=7)? {
            0..=5 => spec::valid_spec(&mut Bytes(u), endpoint, NOW),
            6 => spec::invalid_spec(&mut Bytes(u), endpoint, NOW).spec,
            _ => RequestSpec {
                endpoint,
                post_ids: Vec::arbitrary(u)?,
                media_keys: Vec::arbitrary(u)?,
                metrics: Vec::arbitrary(u)?,
                groupings: Vec::<(String, Vec<String>)>::arbitrary(u)?
                    .into_iter()
                    .map(|(name, group_by)| GroupingSpec { name, group_by })
                    .collect(),
                start: Option::arbitrary(u)?,
                end: Option::arbitrary(u)?,
                granularity: Option::arbitrary(u)?,
                fields: Vec::arbitrary(u)?,
            },
        })
    }
}

/// A spec valid at [`NOW`] with default [`ValidationOptions`], for a fuzz target that wants
/// requests to get past validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidSpec(pub RequestSpec);

impl ValidSpec {
    /// The validated request (at [`NOW`], default options).
    pub fn request(&self) -> Option<Request> {
        self.0.validate(NOW, &ValidationOptions::default()).ok()
    }
}

impl<'a> Arbitrary<'a> for ValidSpec {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let endpoint = Endpoint::arbitrary(u)?;
        Ok(ValidSpec(spec::valid_spec(&mut Bytes(u), endpoint, NOW)))
    }
}

/// A valid request (at [`NOW`]) with an answer the API would send to it
/// ([`synthesize`](super::synthesize)), or one in two times a hostile variant of that answer
/// ([`hostile`](super::hostile)), and what parsing it must give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The request.
    pub request: Request,
    /// The answer.
    pub answer: Answer,
    /// What parsing the answer must give.
    pub expected: Expected,
}

impl<'a> Arbitrary<'a> for Exchange {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let spec = ValidSpec::arbitrary(u)?;
        let request = spec.request().ok_or(arbitrary::Error::IncorrectFormat)?;
        let answer = synthesize(&request, u64::arbitrary(u)?);
        if bool::arbitrary(u)? {
            let Hostile {
                answer, expected, ..
            } = hostile(&answer, u64::arbitrary(u)?);
            return Ok(Exchange {
                request,
                answer,
                expected,
            });
        }
        let expected = Expected::of_true_answer(&answer);
        Ok(Exchange {
            request,
            answer,
            expected,
        })
    }
}
