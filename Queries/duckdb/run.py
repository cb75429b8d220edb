#!/usr/bin/env python3
"""Runs a shipped cek-audit query on CloudTrail log files with DuckDB, as Athena would on its CloudTrail table.

    python Queries/duckdb/run.py --query Queries/cloudtrail_kms_usage.sql --csv result.csv --jsonl result.jsonl \
        'logs/AWSLogs/**/*.json.gz' logs/extra.json

Loads the Trino compatibility macros (trino_compat.sql) and the table view (cloudtrail_logs.sql) over the given
files or globs, runs the query text unchanged, and writes the result the way the engines do: CSV as Athena writes
query results (RFC 4180, header and every value in double quotes, NULL as an empty unquoted field, LF line ends) and
JSON lines (one object per row, column names as keys, NULL as null). Needs PyPI `duckdb`.
"""
import argparse, json, os, sys

import duckdb

HERE = os.path.dirname(os.path.abspath(__file__))


BIGQUERY_RENAMES = [("REGEXP_EXTRACT(", "bq_regexp_extract("), ("JSON_VALUE_ARRAY(", "bq_json_value_array("),
                    ("JSON_VALUE(", "bq_json_value("), ("FORMAT_TIMESTAMP(", "bq_format_timestamp("),
                    ("TO_JSON_STRING(", "bq_to_json_string("), ("REGEXP_CONTAINS(", "regexp_matches("),
                    (" IGNORE NULLS", ""), ("AS INT64", "AS BIGINT")]


def athena_csv_field(v):
    if v is None:
        return ""
    return '"' + str(v).replace('"', '""') + '"'


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--query", required=True)
    p.add_argument("--dialect", choices=["trino", "bigquery"], default="trino",
                   help="trino: the CloudTrail table over CloudTrail files; bigquery: the Cloud Audit Logs export over JSON lines rows")
    p.add_argument("--csv")
    p.add_argument("--jsonl")
    p.add_argument("--max-object-bytes", type=int, default=16 * 1024 * 1024,
                   help="largest uncompressed log file (DuckDB buffers that much per file; default 16 MiB)")
    p.add_argument("files", nargs="+")
    a = p.parse_args()
    # Bounded, so a test run does not take the machine: CloudTrail files are a few MB each.
    con = duckdb.connect(config={"threads": 2, "memory_limit": "2GB"})
    compat, table = ("trino_compat.sql", "cloudtrail_logs.sql") if a.dialect == "trino" else ("bigquery_compat.sql", "cloud_audit_logs.sql")
    with open(os.path.join(HERE, compat), encoding="utf-8") as f:
        con.execute(f.read())
    with open(os.path.join(HERE, table), encoding="utf-8") as f:
        ddl = f.read().replace("{files}", "[" + ", ".join("'" + x.replace("'", "''") + "'" for x in a.files) + "]")
        ddl = ddl.replace("{max_object_size}", str(a.max_object_bytes))
    con.execute(ddl)
    with open(a.query, encoding="utf-8") as f:
        query = f.read()
    if a.dialect == "bigquery":
        # The renames bigquery_compat.sql lists: DuckDB macros cannot replace built-in functions.
        for old, new in BIGQUERY_RENAMES:
            query = query.replace(old, new)
    cur = con.execute(query)
    columns = [d[0] for d in cur.description]
    rows = cur.fetchall()
    if a.csv:
        with open(a.csv, "w", encoding="utf-8", newline="") as out:
            out.write(",".join(athena_csv_field(c) for c in columns) + "\n")
            for r in rows:
                out.write(",".join(athena_csv_field(v) for v in r) + "\n")
    if a.jsonl:
        with open(a.jsonl, "w", encoding="utf-8") as out:
            for r in rows:
                out.write(json.dumps(dict(zip(columns, r)), ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{len(rows)} row(s), {len(columns)} column(s)", file=sys.stderr)


if __name__ == "__main__":
    main()
