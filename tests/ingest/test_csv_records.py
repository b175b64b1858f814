"""The numpy CSV record splitter agrees with Python's csv module on any RFC 4180 file."""

import csv
import io

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wattledger.ingest.csv_records import keep_records, split_records

# Lines are counted at LF (as editors and DuckDB do); a lone CR is not a line break, so
# fields hold CR only as part of CRLF.
field = st.lists(st.sampled_from(["a", "b", " ", ",", '"', "\n", "\r\n", ";", "x", "1", "é"]), max_size=6).map("".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(field, min_size=3, max_size=3), min_size=1, max_size=12), st.sampled_from(["\n", "\r\n"]))
def test_records_lines_and_field_counts_match_csv_module(rows, terminator):
    buf = io.StringIO()
    csv.writer(buf, lineterminator=terminator).writerows([["h1", "h2", "h3"], *rows])
    data = buf.getvalue().encode("utf-8")
    recs = split_records(np.frombuffer(data, dtype=np.uint8))

    reader = csv.reader(io.StringIO(buf.getvalue(), newline=""))
    expected_lines, expected_fields, start = [], [], 1
    for row in reader:
        if row:  # csv yields [] for a blank line; the splitter drops blank records too
            expected_lines.append(start)
            expected_fields.append(len(row))
        start = reader.line_num + 1
    assert recs.lines.tolist() == expected_lines
    assert recs.field_counts.tolist() == expected_fields
    assert not recs.unterminated_last

    kept = keep_records(np.frombuffer(data, dtype=np.uint8), recs, np.ones(recs.starts.size, dtype=bool))
    assert list(csv.reader(io.StringIO(kept.decode(), newline=""))) == [r for r in csv.reader(io.StringIO(buf.getvalue(), newline="")) if r]


def test_unterminated_quote_is_flagged():
    data = b'a,b\n1,"open\n2,3\n'
    recs = split_records(np.frombuffer(data, dtype=np.uint8))
    assert recs.unterminated_last and recs.lines.tolist() == [1, 2]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet='ab|" \r', max_size=8), min_size=1, max_size=12), st.sampled_from(["\n", "\r\n"]))
def test_without_quoting_a_quote_is_data(lines, terminator):
    # sacct --parsable2 never quotes: lines and field counts are those of a plain split at | and LF
    lines = [line.rstrip("\r") for line in lines]
    data = terminator.join(lines).encode() + terminator.encode()
    recs = split_records(np.frombuffer(data, dtype=np.uint8), delimiter=ord("|"), quoting=False)
    expected = [(i, line.count("|") + 1) for i, line in enumerate(lines, start=1) if line]
    assert list(zip(recs.lines.tolist(), recs.field_counts.tolist())) == expected
    assert not recs.unterminated_last


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.text(alphabet="ab,", min_size=1, max_size=5), st.booleans()), min_size=1, max_size=12),
       st.sampled_from(["\n", "\r\n"]))
def test_keep_records_keeps_exactly_the_chosen_records(rows, terminator):
    data = "".join(text + terminator for text, _ in rows).encode()
    recs = split_records(np.frombuffer(data, dtype=np.uint8))
    keep = np.array([k for _, k in rows], dtype=bool)
    kept = keep_records(np.frombuffer(data, dtype=np.uint8), recs, keep)
    assert kept == "".join(text + terminator for text, k in rows if k).encode()
