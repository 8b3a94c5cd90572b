"""reducekd.checkpoint: incomplete files named, legacy pickles refused with
the safe fix, atomic saves."""
import os

import pytest
import torch

from reducekd.checkpoint import (CheckpointError, load_local_checkpoint,
                                 save_atomically)


@pytest.fixture
def checkpoint(tmp_path):
    path = tmp_path / 'epoch_1.pth'
    torch.save({'state_dict': {'w': torch.arange(1000.)}}, path)
    return path


@pytest.mark.parametrize('keep', [0, 10, 0.5, -1])
def test_incomplete_checkpoint_is_named(checkpoint, keep):
    data = checkpoint.read_bytes()
    checkpoint.write_bytes(data[:keep if isinstance(keep, int) else
                                int(len(data) * keep)])
    with pytest.raises(CheckpointError) as error:
        load_local_checkpoint(str(checkpoint))
    message = str(error.value)
    assert message.startswith(f'checkpoint {checkpoint} is ')
    assert ('is empty' if keep == 0 else 'is incomplete: it ends after') \
        in message
    assert message.endswith('use an earlier checkpoint, or write this one '
                            'again.')


def test_damaged_checkpoint_is_named(checkpoint):
    data = bytearray(checkpoint.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 8] = bytes(8)  # inside the tensor's bytes
    checkpoint.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match='is damaged: the bytes of its '
                       'member .* do not match their checksum'):
        load_local_checkpoint(str(checkpoint))


class _RunsCode:
    """Unpickling this calls ``print``: a stand-in for a malicious file."""

    def __reduce__(self):
        return (print, ('payload ran',))


class _Unpicklable:
    def __reduce__(self):
        raise RuntimeError('cannot be pickled')


def test_legacy_pickle_is_refused_with_the_safe_fix(tmp_path, capsys):
    path = tmp_path / 'legacy.pth'
    torch.save({'meta': _RunsCode()}, path,
               _use_new_zipfile_serialization=False)
    with pytest.raises(CheckpointError) as error:
        load_local_checkpoint(str(path))
    assert str(error.value) == (
        f'refused to load {path}: it is a pickle in the legacy (non-zip) '
        'format and holds the global print, which could run code when loaded; '
        'nothing of it was run. To use its weights, re-save them in the '
        'current format from a trusted environment (the one that wrote the '
        "file): save its tensors with torch.save(state_dict, 'new.pth') and "
        'give the new file instead.')
    assert 'weights_only' not in str(error.value)
    assert 'payload ran' not in capsys.readouterr().out


def test_save_atomically_replaces_the_file_in_one_rename(checkpoint,
                                                        tmp_path):
    link = tmp_path / 'old.link'
    os.link(checkpoint, link)
    old = link.read_bytes()
    with pytest.raises(RuntimeError, match='cannot be pickled'):
        save_atomically({'state_dict': {'w': torch.ones(3)},
                         'bad': _Unpicklable()}, checkpoint)
    assert checkpoint.read_bytes() == old  # a failed save changes nothing
    assert sorted(os.listdir(tmp_path)) == ['epoch_1.pth', 'old.link']
    save_atomically({'state_dict': {'w': torch.ones(3)}}, checkpoint)
    assert link.read_bytes() == old  # written to a new file, renamed
    assert torch.equal(load_local_checkpoint(str(checkpoint))['state_dict'][
        'w'], torch.ones(3))
