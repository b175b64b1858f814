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


def test_a_host_list_over_the_cap_is_refused_before_it_is_expanded():
    import time

    from wattledger.hostlist import MAX_HOSTS, HostlistError, expand_hostlist

    started = time.perf_counter()
    for text in ("n[0-99999]x[0-99999]", "a[0-99999],b[0-99999]", f"gpu[1-{MAX_HOSTS + 1}]"):
        with pytest.raises(HostlistError, match="more than the"):
            expand_hostlist(text)
    assert time.perf_counter() - started < 5  # counted, never materialised (10^10 names)
    assert len(expand_hostlist(f"gpu[1-{MAX_HOSTS}]")) == MAX_HOSTS
