//! masscan's JSON (`-oJ`, every version's layout) and NDJSON (`-oD`) lines.

use super::{Escaping, MasscanForm, Reader, Record, RecordError, What, missing};
use crate::raw_json;
use crate::scan::ScanSink;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

/// A JSON (`-oJ`) or NDJSON (`-oD`) record. Fields are optional here so a missing one is reported by name.
#[derive(Deserialize)]
struct JsonRecord<'a> {
    #[serde(borrow)]
    ip: Option<Cow<'a, str>>,
    #[serde(borrow)]
    timestamp: Option<&'a RawValue>,
    #[serde(borrow)]
    ports: Option<Vec<JsonPort<'a>>>,
    #[serde(borrow)]
    port: Option<&'a RawValue>,
    #[serde(borrow)]
    proto: Option<Cow<'a, str>>,
    #[serde(borrow)]
    rec_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    data: Option<NdjsonData<'a>>,
    #[serde(borrow)]
    finished: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct JsonPort<'a> {
    #[serde(borrow)]
    port: Option<&'a RawValue>,
    #[serde(borrow)]
    proto: Option<Cow<'a, str>>,
    #[serde(borrow)]
    status: Option<Cow<'a, str>>,
    #[serde(borrow)]
    service: Option<JsonService<'a>>,
}

#[derive(Deserialize)]
struct JsonService<'a> {
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    banner: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct NdjsonData<'a> {
    #[serde(borrow)]
    status: Option<Cow<'a, str>>,
    #[serde(borrow)]
    service_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    banner: Option<Cow<'a, str>>,
}

/// A JSON number or string as text (masscan writes timestamps as strings, ports as numbers).
fn scalar_text(value: &RawValue) -> Cow<'_, str> {
    raw_json::json_string(value).unwrap_or(Cow::Borrowed(value.get()))
}

impl<S: ScanSink> Reader<'_, S> {
    /// A line of JSON or NDJSON output: a record, array punctuation, or an end marker.
    pub(super) fn json_line(&mut self, number: u64, line: &str, terminated: bool) {
        let trimmed = line.trim();
        // The array and the commas around records, wherever masscan's version put them.
        let body = trimmed.strip_prefix(',').unwrap_or(trimmed).trim_start();
        let body = body.strip_suffix(',').unwrap_or(body).trim_end();
        match body {
            "" | "[" => {
                self.stats.skipped += 1;
                return;
            }
            "]" => {
                self.stats.end_marker = true;
                self.stats.skipped += 1;
                return;
            }
            _ => {}
        }
        // Before 2017, `-oJ` ended with this, which is not JSON.
        if body.starts_with("{finished") && body.replace(' ', "") == "{finished:1}" {
            self.stats.end_marker = true;
            self.stats.skipped += 1;
            return;
        }
        let location = |path: &str| format!("line {number}{path}");
        if body.starts_with('[') {
            // A whole array on one line (`jq -c`, or a small hand-made file).
            let array = body.strip_suffix(',').unwrap_or(body);
            match serde_json::from_str::<Vec<&RawValue>>(array) {
                Ok(records) => {
                    for (index, record) in records.iter().enumerate() {
                        let path = format!(", [{index}]");
                        match serde_json::from_str::<JsonRecord<'_>>(record.get()) {
                            Ok(record) => self.json_record(&record, &location(&path)),
                            Err(error) => {
                                self.reject("masscan: bad json", location(&path), error.to_string())
                            }
                        }
                    }
                    if body.ends_with(']') {
                        self.stats.end_marker = true;
                    }
                }
                Err(error) => self.json_error(&location(""), &error, terminated),
            }
            return;
        }
        match serde_json::from_str::<JsonRecord<'_>>(body) {
            Ok(record) => self.json_record(&record, &location("")),
            Err(error) => self.json_error(&location(""), &error, terminated),
        }
    }

    fn json_error(&mut self, location: &str, error: &serde_json::Error, terminated: bool) {
        if !terminated && error.is_eof() {
            self.reject(
                "masscan: truncated",
                location.to_owned(),
                format!("last line is cut short: {error}"),
            );
        } else {
            self.reject("masscan: bad json", location.to_owned(), error.to_string());
        }
    }

    fn json_record(&mut self, record: &JsonRecord<'_>, location: &str) {
        if record.finished.is_some() && record.ip.is_none() {
            self.stats.end_marker = true;
            self.stats.skipped += 1;
            return;
        }
        if let Err(error) = self.try_json_record(record, location) {
            self.reject(error.reason(), location.to_owned(), error.to_string());
        }
    }

    fn try_json_record(
        &mut self,
        record: &JsonRecord<'_>,
        location: &str,
    ) -> Result<(), RecordError> {
        let address = record.ip.as_deref().ok_or_else(|| missing("ip"))?;
        let timestamp = record.timestamp.map(scalar_text);
        if let Some(ports) = &record.ports {
            // The `-oJ` layout (and NDJSON before late 2017).
            if self.stats.form == Some(MasscanForm::Ndjson)
                && self.stats.ports + self.stats.rejects == 0
            {
                self.stats.form = Some(MasscanForm::Json);
            }
            if ports.is_empty() {
                return Err(RecordError::BadRecord(
                    "record has an empty \"ports\" list".to_owned(),
                ));
            }
            for (index, entry) in ports.iter().enumerate() {
                let path = if ports.len() > 1 {
                    format!("{location}, ports[{index}]")
                } else {
                    location.to_owned()
                };
                let port = entry.port.map(scalar_text);
                let what = match (&entry.status, &entry.service) {
                    (_, Some(service)) => {
                        service_banner(service.name.as_deref(), service.banner.as_deref())
                    }
                    (Some(status), None) => Ok(What::Status(status)),
                    (None, None) => Err(RecordError::BadRecord(
                        "port entry has neither \"status\" nor \"service\"".to_owned(),
                    )),
                };
                let parsed = what.and_then(|what| {
                    Ok(Record {
                        address,
                        transport: entry.proto.as_deref().ok_or_else(|| missing("proto"))?,
                        port: port.as_deref().ok_or_else(|| missing("port"))?,
                        timestamp: timestamp.as_deref().map(Cow::Borrowed),
                        what,
                    })
                });
                match parsed {
                    Ok(parsed) => self.record(&parsed, || path),
                    Err(error) => self.reject(error.reason(), path, error.to_string()),
                }
            }
            return Ok(());
        }
        let rec_type = record.rec_type.as_deref().ok_or_else(|| {
            RecordError::BadRecord("record has neither \"ports\" nor \"rec_type\"".to_owned())
        })?;
        let data = record.data.as_ref().ok_or_else(|| missing("data"))?;
        let what = match rec_type {
            "status" => What::Status(
                data.status
                    .as_deref()
                    .ok_or_else(|| missing("data.status"))?,
            ),
            "banner" => service_banner(data.service_name.as_deref(), data.banner.as_deref())?,
            other => {
                return Err(RecordError::BadRecord(format!(
                    "rec_type {other:?} is not status or banner"
                )));
            }
        };
        let port = record.port.map(scalar_text);
        let parsed = Record {
            address,
            transport: record.proto.as_deref().ok_or_else(|| missing("proto"))?,
            port: port.as_deref().ok_or_else(|| missing("port"))?,
            timestamp: timestamp.as_deref().map(Cow::Borrowed),
            what,
        };
        self.record(&parsed, || location.to_owned());
        Ok(())
    }
}

fn service_banner<'a>(
    name: Option<&'a str>,
    banner: Option<&'a str>,
) -> Result<What<'a>, RecordError> {
    Ok(What::Banner {
        service: name.ok_or_else(|| missing("service name"))?,
        text: banner.unwrap_or(""),
        escaping: Escaping::Json,
    })
}
