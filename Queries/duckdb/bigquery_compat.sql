-- The GoogleSQL functions Queries/cloud_audit_logs_kms_usage.sql uses that DuckDB lacks or names otherwise, as DuckDB
-- macros with BigQuery's semantics (BigQuery documentation, "JSON functions", "String functions", "Timestamp
-- functions"). DuckDB macros cannot replace built-in functions, so Queries/duckdb/run.py --dialect bigquery renames
-- the calls in a copy of the query text before running it (the shipped file is not changed):
--   REGEXP_EXTRACT( -> bq_regexp_extract(     JSON_VALUE_ARRAY( -> bq_json_value_array(
--   JSON_VALUE( -> bq_json_value(              FORMAT_TIMESTAMP( -> bq_format_timestamp(
--   TO_JSON_STRING( -> bq_to_json_string(      REGEXP_CONTAINS( -> regexp_matches(
--   " IGNORE NULLS" -> "" (DuckDB's array_agg keeps NULLs; the JSON arrays then hold null, which cek-audit drops)
--   "AS INT64" -> "AS BIGINT"
-- This file and that list are the whole dialect difference for the shipped BigQuery query.
-- REGEXP_EXTRACT(value, regexp): the capturing group's match; NULL when the regexp does not match. Every
-- REGEXP_EXTRACT of the query has exactly one capturing group.
CREATE MACRO bq_regexp_extract(s, r) AS CASE WHEN regexp_matches(s, r) THEN regexp_extract(s, r, 1) END;
-- JSON_VALUE(json_string, path): the scalar at the path as a string; NULL for objects, arrays, JSON null, a missing
-- member or text that is not JSON.
CREATE MACRO bq_json_value(j, p) AS
  CASE WHEN NOT json_valid(j) THEN NULL WHEN json_type(j, p) IN ('OBJECT', 'ARRAY', 'NULL') THEN NULL ELSE json_extract_string(j, p) END;
-- JSON_VALUE_ARRAY(json_string, path): the array of scalars at the path as strings; NULL when it is no array.
CREATE MACRO bq_json_value_array(j, p) AS
  CASE WHEN json_valid(j) AND json_type(j, p) = 'ARRAY' THEN CAST(json_extract_string(j, p || '[*]') AS VARCHAR[]) END;
-- FORMAT_TIMESTAMP(format, timestamp), UTC.
CREATE MACRO bq_format_timestamp(f, t) AS strftime(t, f);
-- TO_JSON_STRING(value): JSON text.
CREATE MACRO bq_to_json_string(v) AS CAST(to_json(v) AS VARCHAR);
