# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""The tgt patch series and the build of the patched tgtd.

The dry-run test needs Debian's tgt source fetched by ``python -m
realboot.tgtbuild`` (in ``build/tgt``, or ``$REALBOOT_TGT_DIR``); without
it, it skips saying so.
"""
from __future__ import annotations

import json
from pathlib import Path
import shutil

import pytest

from realboot import commands, tgtbuild
from realboot.tgtbuild import TgtBuild, TgtBuildError


def test_series_names_existing_patches_in_order():
    found = tgtbuild.patches()
    assert [p.name for p in found] == [
        '0001-chap-standard-algorithm-numbers-SHA-256.patch']


@pytest.mark.parametrize('patch', tgtbuild.patches(), ids=lambda p: p.name)
def test_patch_has_a_dep3_header(patch):
    header = patch.read_text().split('\n---\n', 1)[0]
    fields = {line.split(':', 1)[0] for line in header.splitlines()
              if line and not line.startswith(' ')}
    assert {'Description', 'Author', 'Forwarded', 'Last-Update',
            'Bug'} <= fields
    assert 'SHA-256' in header and 'CHAP_A' in header


def test_missing_series_or_patch_is_one_error(tmp_path):
    with pytest.raises(TgtBuildError, match='no series'):
        tgtbuild.patches(tmp_path)
    (tmp_path / 'series').write_text('0001-gone.patch\n')
    with pytest.raises(TgtBuildError, match='0001-gone.patch'):
        tgtbuild.patches(tmp_path)


def test_mirror_from_one_line_sources(tmp_path):
    listing = tmp_path / 'sources.list'
    listing.write_text(
        '# comment\n'
        'deb [arch=amd64] http://mirror.example/debian-security '
        'bookworm-security main\n'
        'deb http://mirror.example/debian/ bookworm main contrib\n')
    assert tgtbuild.debian_mirror((listing,)) == (
        'http://mirror.example/debian', 'bookworm')


def test_no_mirror_is_one_error(tmp_path):
    with pytest.raises(TgtBuildError, match='no Debian archive'):
        tgtbuild.debian_mirror((tmp_path,))


def test_apt_uses_only_the_private_list(tmp_path):
    options = ' '.join(tgtbuild.apt_options(tmp_path))
    assert 'Dir::Etc::SourceList=%s/sources.list' % tmp_path in options
    assert 'Dir::Etc::SourceParts=/dev/null' in options
    assert 'Dir::State::Lists=%s/lists' % tmp_path in options


def _fake_build(tmp_path: Path) -> TgtBuild:
    patch_dir = tmp_path / 'patches'
    shutil.copytree(tgtbuild.PATCH_DIR, patch_dir)
    build = TgtBuild(tmp_path / 'tgt', patch_dir, progress=lambda _: None)
    build.directory.mkdir()
    build.binary.write_bytes(b'\x7fELF fake')
    build.stamp.write_text(json.dumps(dict(
        build.wanted(), tgtd_sha256=tgtbuild._sha256(build.binary))))
    return build


def test_a_current_build_is_used_as_it_is(tmp_path, monkeypatch):
    build = _fake_build(tmp_path)
    said = []
    build.progress = said.append
    monkeypatch.setattr(TgtBuild, 'fetch', lambda self: pytest.fail('ran'))
    assert build.ensure() == build.binary
    assert said == ['tgt: patched tgtd is current: %s' % build.binary]


@pytest.mark.parametrize('change', ['patch', 'binary', 'stamp'])
def test_a_changed_patch_binary_or_stamp_means_rebuild(tmp_path, change):
    build = _fake_build(tmp_path)
    if change == 'patch':
        patch = tgtbuild.patches(build.patch_dir)[0]
        patch.write_text(patch.read_text() + '\n')
    elif change == 'binary':
        build.binary.write_bytes(b'\x7fELF other')
    else:
        build.stamp.write_text('{not json')
    assert build.current() is None


def test_the_stamp_is_written_last(tmp_path, monkeypatch):
    build = _fake_build(tmp_path)
    build.stamp.unlink()
    source = tmp_path / 'tgt' / 'source' / 'tgt-1.0'
    (source / 'usr').mkdir(parents=True)

    def fail_make(self, work):
        assert not self.stamp.exists()
        raise TgtBuildError(reason='make failed')

    monkeypatch.setattr(TgtBuild, 'fetch', lambda self: source)
    monkeypatch.setattr(TgtBuild, 'apply',
                        lambda self, src: src)
    monkeypatch.setattr(TgtBuild, 'make', fail_make)
    with pytest.raises(TgtBuildError, match='make failed'):
        build.ensure()
    assert not build.stamp.exists()


def test_missing_build_tools_are_named(tmp_path, monkeypatch):
    build = _fake_build(tmp_path)
    build.stamp.unlink()
    monkeypatch.setattr(tgtbuild.shutil, 'which',
                        lambda tool: None if tool == 'gcc' else '/bin/x')
    with pytest.raises(TgtBuildError, match='packages missing: gcc$'):
        build.ensure()


def test_patches_apply_to_debians_source():
    directory = tgtbuild.build_directory()
    tree = TgtBuild(directory).source_tree()
    if tree is None:
        pytest.skip('no Debian tgt source under %s (python -m '
                    'realboot.tgtbuild fetches it)' % directory)
    for patch in tgtbuild.patches():
        out = commands.run(tgtbuild.patch_command(tree, patch, dry_run=True))
        assert 'FAILED' not in out and 'offset' not in out, out
