"""Slurm nodelist expansion."""

import pytest

from wattledger.hostlist import HostlistError, expand_hostlist


@pytest.mark.parametrize("text, hosts", [
    ("gpu[001-003,010],login2", ["gpu001", "gpu002", "gpu003", "gpu010", "login2"]),
    ("node7", ["node7"]),
    ("a1, b2 ,a1", ["a1", "b2"]),
    ("rack[1-2]-gpu[01-02]", ["rack1-gpu01", "rack1-gpu02", "rack2-gpu01", "rack2-gpu02"]),
    ("ca-colo-1-node[002-002]", ["ca-colo-1-node002"]),
    ("", []),
    (None, []),
])
def test_expand(text, hosts):
    assert expand_hostlist(text) == hosts


@pytest.mark.parametrize("text", ["gpu[001-003", "gpu]1", "gpu[3-1]", "gpu[a-b]", "gpu[1-9999999]"])
def test_malformed_lists_are_refused(text):
    with pytest.raises(HostlistError):
        expand_hostlist(text)
