//! BODY and BODYSTRUCTURE (RFC 3501 7.4.2): the MIME structure as IMAP describes it, with
//! sizes and line counts as served (CRLF), and for BODYSTRUCTURE the extension data
//! (MD5, disposition, language, location).

use std::io::{self, Write};

use super::crlf::served_len;
use super::header;
use super::mime::{self, Value};
use super::part::{lines, Kind, Part};
use crate::wire::quote::{nstring, string};

/// Writes the structure of `part` of `msg`; `extended` for BODYSTRUCTURE.
pub fn write(w: &mut impl Write, msg: &[u8], part: &Part, extended: bool) -> io::Result<()> {
    let hdr = &msg[part.header.clone()];
    let index = header::Index::new(hdr);
    let get = |name: &[u8]| index.get(name);
    let ct = &part.content_type;
    w.write_all(b"(")?;
    match &part.kind {
        Kind::Multipart(children) => {
            for c in children {
                write(w, msg, c, extended)?;
            }
            w.write_all(b" ")?;
            string(w, &ct.subtype)?;
            if extended {
                w.write_all(b" ")?;
                params(w, ct)?;
                extension(w, &get)?;
            }
        }
        kind => {
            string(w, &ct.mtype)?;
            w.write_all(b" ")?;
            string(w, &ct.subtype)?;
            w.write_all(b" ")?;
            params(w, ct)?;
            w.write_all(b" ")?;
            nstring(w, get(b"Content-ID").as_deref())?;
            w.write_all(b" ")?;
            nstring(w, get(b"Content-Description").as_deref())?;
            w.write_all(b" ")?;
            string(
                w,
                &get(b"Content-Transfer-Encoding")
                    .and_then(|v| mime::encoding_of(&v))
                    .unwrap_or_else(|| b"7bit".to_vec()),
            )?;
            write!(w, " {}", served_len(msg, part.body.clone()))?;
            if let Kind::Message(inner) = kind {
                w.write_all(b" ")?;
                super::envelope::write(w, &msg[inner.header.clone()])?;
                w.write_all(b" ")?;
                write(w, msg, inner, extended)?;
                write!(w, " {}", lines(msg, part.body.clone()))?;
            } else if ct.mtype.eq_ignore_ascii_case(b"text") {
                write!(w, " {}", lines(msg, part.body.clone()))?;
            }
            if extended {
                w.write_all(b" ")?;
                nstring(w, get(b"Content-MD5").as_deref())?;
                extension(w, &get)?;
            }
        }
    }
    w.write_all(b")")
}

/// `body-fld-param`: the parameter list, or NIL. A text part that names no charset is
/// US-ASCII (RFC 2046 4.1.2) and says so, as Dovecot and c-client answer.
fn params(w: &mut impl Write, v: &Value) -> io::Result<()> {
    let mut params = v.params.clone();
    if v.mtype.eq_ignore_ascii_case(b"text") && v.param(b"charset").is_none() {
        params.insert(0, (b"charset".to_vec(), b"us-ascii".to_vec()));
    }
    if params.is_empty() {
        return w.write_all(b"NIL");
    }
    w.write_all(b"(")?;
    for (i, (name, value)) in params.iter().enumerate() {
        if i > 0 {
            w.write_all(b" ")?;
        }
        string(w, name)?;
        w.write_all(b" ")?;
        string(w, value)?;
    }
    w.write_all(b")")
}

/// ` body-fld-dsp SP body-fld-lang SP body-fld-loc`.
fn extension(w: &mut impl Write, get: &dyn Fn(&[u8]) -> Option<Vec<u8>>) -> io::Result<()> {
    w.write_all(b" ")?;
    match get(b"Content-Disposition").filter(|d| !d.is_empty()) {
        Some(d) => {
            let v = mime::parse(&d, true);
            w.write_all(b"(")?;
            string(w, &v.mtype)?;
            w.write_all(b" ")?;
            params(w, &v)?;
            w.write_all(b")")?;
        }
        None => w.write_all(b"NIL")?,
    }
    w.write_all(b" ")?;
    match get(b"Content-Language") {
        Some(l) => {
            let tags = mime::list(&l);
            match tags.as_slice() {
                [] => w.write_all(b"NIL")?,
                [one] => string(w, one)?,
                many => {
                    w.write_all(b"(")?;
                    for (i, t) in many.iter().enumerate() {
                        if i > 0 {
                            w.write_all(b" ")?;
                        }
                        string(w, t)?;
                    }
                    w.write_all(b")")?;
                }
            }
        }
        None => w.write_all(b"NIL")?,
    }
    w.write_all(b" ")?;
    nstring(w, get(b"Content-Location").as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::part;

    fn bs(msg: &[u8], extended: bool) -> String {
        let mut out = Vec::new();
        write(&mut out, msg, &part::parse(msg), extended).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn plain_text_defaults() {
        let m = b"Subject: x\n\nhello\nworld\n";
        assert_eq!(
            bs(m, false),
            "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 14 2)"
        );
        assert_eq!(
            bs(m, true),
            "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 14 2 NIL NIL NIL NIL)"
        );
    }

    #[test]
    fn multipart_with_attachment() {
        let m = b"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; charset=utf-8\n\nhi\n--b\nContent-Type: application/pdf; name=x.pdf\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=x.pdf\nContent-Language: en, de\n\nAAAA\n--b--\n";
        assert_eq!(
            bs(m, true),
            "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 2 0 NIL NIL NIL NIL)\
(\"application\" \"pdf\" (\"name\" \"x.pdf\") NIL NIL \"base64\" 4 NIL (\"attachment\" (\"filename\" \"x.pdf\")) (\"en\" \"de\") NIL) \
\"mixed\" (\"boundary\" \"b\") NIL NIL NIL)"
        );
    }
}
