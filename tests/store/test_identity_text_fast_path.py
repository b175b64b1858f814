"""wl_identity_text returns printable ASCII as it is (issue 20's fast path): for any text the
macro gives what its three passes give (controls to a space, invisible characters removed, NFC)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wattledger.store import connect

THREE_PASSES = (r"nfc_normalize(regexp_replace(regexp_replace($1, '[\x{00}-\x{1F}\x{7F}-\x{9F}\x{2028}\x{2029}]+', ' ', 'g'), "
                r"'[\x{200B}-\x{200F}\x{202A}-\x{202E}\x{2060}\x{2066}-\x{2069}\x{FEFF}]', '', 'g'))")
CON = connect(":memory:")
TEXTS = (st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=16)
         | st.text(alphabet=st.characters(max_codepoint=0x7F, exclude_characters="\x00"), max_size=16)
         | st.sampled_from(["run-0001", "e\u0301", "a\u200bb", "x\ty", " ~", "\x7f", "caf\u00e9"]))


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_the_fast_path_changes_nothing(text):
    fast, passes = CON.execute(f"select wl_identity_text($1), {THREE_PASSES}", [text]).fetchall()[0]
    assert fast == passes


def test_null_stays_null():
    assert CON.execute("select wl_identity_text(null::varchar)").fetchall() == [(None,)]
