"""The exact teacher-output cache: views, the table, and live vs cached runs.

The reference for a cached run is the live run of the same seed: it must
give the same losses iteration by iteration and the same final weights.
"""
import copy
import json
import os
import sys

import numpy as np
import pytest
import torch
from mmcv.transforms import RandomFlip
from mmengine.config import Config
from mmpretrain.datasets.transforms import RandomCrop

from conftest import load_tool, python_tool, run, tiny_config
from reducekd.complexity import build_in_scope
from reducekd.errors import ConfigError
from reducekd.registry import MODELS
from reducekd.teacher_cache import table as table_module
from reducekd.teacher_cache.config import check_cacheable
from reducekd.teacher_cache.views import (VIEW_KEY, ViewRandomCrop,
                                          ViewRandomFlip, build_transforms,
                                          every_view, recording_pipeline)
from train_in_process import TRAIN

KD = tiny_config('tiny_kd_digits.py')
BUILD = load_tool('build_teacher_cache.py')
CROP = dict(type='RandomCrop', crop_size=32, padding=4)
FLIP = dict(type='RandomFlip', prob=0.5, direction='horizontal')
PACK = dict(type='PackInputs')


def _image(seed=0):
    return np.random.RandomState(seed).randint(
        0, 255, (32, 32, 3)).astype(np.uint8)


# --- views -------------------------------------------------------------


def test_recording_transforms_draw_as_the_originals_and_record_the_view():
    pairs = [(RandomCrop(crop_size=32, padding=4),
              ViewRandomCrop(crop_size=32, padding=4)),
             (RandomFlip(prob=0.5, direction='horizontal'),
              ViewRandomFlip(prob=0.5, direction='horizontal'))]
    for original, recording in pairs:
        for seed in range(12):
            np.random.seed(seed)
            expected = original(dict(img=_image(seed)))['img']
            np.random.seed(seed)
            drawn = recording(dict(img=_image(seed)))
            assert np.array_equal(drawn['img'], expected)
            again = recording.apply_view(dict(img=_image(seed)),
                                         drawn[VIEW_KEY])
            assert np.array_equal(again['img'], expected)


def test_every_view_enumerates_the_pipeline_in_recorded_order():
    transforms = build_transforms(recording_pipeline([CROP, FLIP, PACK]))
    views = every_view(transforms, dict(img=_image(), sample_idx=3))
    # RandomCrop(32, padding 4): 9 x 9 offsets; RandomFlip: flip or not
    assert len(views) == 162
    assert [v['data_samples'].metainfo[VIEW_KEY] for v in views] == list(
        range(162))
    images = {v['inputs'].numpy().tobytes() for v in views}
    assert len(images) == 162
    for seed in range(8):  # a random draw is the enumerated view it records
        np.random.seed(seed)
        sample = dict(img=_image(), sample_idx=3)
        for transform in transforms:
            sample = transform(sample)
        view = sample['data_samples'].metainfo[VIEW_KEY]
        assert torch.equal(sample['inputs'], views[view]['inputs'])


@pytest.mark.parametrize('transform, name', [
    (dict(type='RandomResizedCrop', scale=32), 'RandomResizedCrop'),
    (dict(type='ColorJitter', brightness=0.4), 'ColorJitter'),
])
def test_infinite_view_spaces_are_refused_by_name(transform, name):
    with pytest.raises(ConfigError, match=f'{name} draws from an infinite'):
        recording_pipeline([transform, PACK])


def test_batch_augments_and_feature_distillers_are_refused():
    cfg = Config.fromfile(KD)
    cfg.model.data_preprocessor = dict(
        type='ClsDataPreprocessor', num_classes=10,
        batch_augments=dict(augments=[dict(type='Mixup', alpha=0.8)]))
    with pytest.raises(ConfigError, match='batch_augments'):
        check_cacheable(cfg)
    cfg = Config.fromfile(tiny_config('tiny_ft_train_digits.py'))
    with pytest.raises(ConfigError, match="teacher's logits only"):
        check_cacheable(cfg)


# --- building the table ----------------------------------------------------


def _save_random_teacher(path, seed):
    torch.manual_seed(seed)
    teacher = MODELS.build(Config.fromfile(KD).model.teacher)
    torch.save(dict(state_dict=teacher.state_dict()), path)
    return path


@pytest.fixture(scope='module')
def cache_dir(tmp_path_factory):
    """A scratch folder with two teacher checkpoints; the tests run in it,
    so ``work_dirs/teacher_cache`` is theirs."""
    folder = tmp_path_factory.mktemp('cache')
    _save_random_teacher(folder / 'teacher_a.pth', 0)
    _save_random_teacher(folder / 'teacher_b.pth', 1)
    return folder


@pytest.fixture
def in_cache_dir(cache_dir, monkeypatch):
    monkeypatch.chdir(cache_dir)
    return cache_dir


def _options(teacher, *more):
    return ['--cfg-options', f'model.teacher_ckpt={teacher}', *more]


@pytest.fixture(scope='module')
def table_a(cache_dir):
    """The fp32 table of teacher A, built once by the tool."""
    cwd = os.getcwd()
    os.chdir(cache_dir)
    try:
        BUILD.main([KD, *_options(cache_dir / 'teacher_a.pth')])
    finally:
        os.chdir(cwd)
    (found, ) = [d for d in (cache_dir / 'work_dirs/teacher_cache').iterdir()
                 if d.name.endswith('-fp32')]
    return found


def test_table_holds_the_teachers_logits_of_every_view(table_a, cache_dir):
    meta = json.loads((table_a / 'meta.json').read_text())
    assert meta['shape'] == [30, 81, 10]  # 3 per class, 81 crops, 10 digits
    assert not (table_a / 'done.npy').exists()
    logits = np.load(table_a / 'logits.npy')
    # independently: the teacher on sample 4's view 40 (offset 4, 4: the
    # unpadded image), preprocessed as in training
    cfg = Config.fromfile(KD)
    cfg.model.teacher_ckpt = str(cache_dir / 'teacher_a.pth')
    model = MODELS.build(dict(cfg.model,
                              data_preprocessor=cfg.data_preprocessor)).eval()
    from mmengine.dataset import pseudo_collate
    from reducekd.registry import DATASETS
    dataset = DATASETS.build(dict(cfg.train_dataloader.dataset,
                                  pipeline=[PACK]))
    data = model.data_preprocessor(pseudo_collate([dataset[4]]), True)
    with torch.no_grad():
        expected = model.teacher(data['inputs'], mode='tensor')
    assert torch.allclose(torch.from_numpy(logits[4, 40]), expected[0],
                          atol=1e-6)


def test_interrupted_build_resumes_with_the_same_table(
        table_a, in_cache_dir, monkeypatch):
    root = in_cache_dir / 'resume'
    write = table_module.TableWriter.write
    written = []

    def write_two_then_die(self, chunk, logits):
        if len(written) == 2:
            raise KeyboardInterrupt
        written.append(chunk)
        write(self, chunk, logits)

    from reducekd.teacher_cache import build
    monkeypatch.setattr(table_module.TableWriter, 'write', write_two_then_die)
    cfg = BUILD.prepare_config(KD, cfg_options={
        'model.teacher_ckpt': str(in_cache_dir / 'teacher_a.pth'),
        'model.teacher_cache': None})
    with pytest.raises(KeyboardInterrupt):
        build.build_table(cfg, root=str(root), progress=False)
    (part, ) = root.iterdir()
    assert part.name.endswith('.part')
    assert np.load(part / 'done.npy').sum() == 2
    monkeypatch.setattr(table_module.TableWriter, 'write', write)
    computed = []
    logits_of = build.TableBuilder.logits_of
    monkeypatch.setattr(build.TableBuilder, 'logits_of',
                        lambda self, s: computed.append(s) or logits_of(
                            self, s))
    directory = build.build_table(cfg, root=str(root), progress=False)
    # 30 samples in chunks of 8: 4 chunks, 2 done before; sample 0 probes
    # the shape
    assert len(computed) == 1 + 2
    assert np.array_equal(np.load(f'{directory}/logits.npy'),
                          np.load(table_a / 'logits.npy'))


def test_two_process_build_equals_the_one_process_table(table_a, cache_dir):
    folder = cache_dir / 'two'
    folder.mkdir()
    run([sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node',
         '2', '--master_port', '29531', *python_tool(
             'build_teacher_cache.py', KD, '--launcher', 'pytorch')[1:],
         *_options(cache_dir / 'teacher_a.pth')], cwd=folder)
    (table, ) = (folder / 'work_dirs/teacher_cache').iterdir()
    assert table.name == table_a.name  # same source, same key
    assert np.array_equal(np.load(table / 'logits.npy'),
                          np.load(table_a / 'logits.npy'))


def test_fp16_table_is_within_its_documented_bound(table_a, in_cache_dir):
    BUILD.main([KD, '--dtype', 'fp16',
                *_options(in_cache_dir / 'teacher_a.pth')])
    half = np.load(str(table_a).replace('-fp32', '-fp16') + '/logits.npy')
    exact = np.load(table_a / 'logits.npy')
    assert half.dtype == np.float16
    error = np.abs(half.astype(np.float64) - exact)
    assert (error <= table_module.FP16_RELATIVE_ERROR * np.abs(exact)
            + 2.0**-25).all()


# --- training with the table -------------------------------------------


def _train(work_dir, teacher, *more):
    TRAIN.main([KD, '--work-dir', str(work_dir), *_options(
        teacher, 'train_cfg.max_epochs=1', *more)])
    (scalars, ) = work_dir.glob('*/vis_data/scalars.json')
    losses = [json.loads(line) for line in scalars.read_text().splitlines()
              if '"loss"' in line]
    state = torch.load(work_dir / 'epoch_1.pth', weights_only=False)
    return losses, state['state_dict']


@pytest.mark.parametrize('loss', [
    'KLDivergence',
    'NoisyTeacherLoss',  # draws its noise at training time, from the table
])
def test_cached_distillation_repeats_the_live_run(loss, table_a,
                                                  in_cache_dir):
    teacher = in_cache_dir / 'teacher_a.pth'
    extra = [] if loss == 'KLDivergence' else [
        'model.distiller.losses.loss_kd._delete_=True',
        'model.distiller.losses.loss_kd.type=NoisyTeacherLoss',
        'model.distiller.losses.loss_kd.noisy_ratio=0.5',
        'model.distiller.losses.loss_kd.sigma=0.9']
    live, live_state = _train(in_cache_dir / f'live_{loss}', teacher, *extra)
    cached, cached_state = _train(in_cache_dir / f'cached_{loss}', teacher,
                                  'model.teacher_cache=auto', *extra)
    assert len(live) == len(cached) == 4  # 30 images, batch 8
    for live_it, cached_it in zip(live, cached):
        for key in ('loss', 'student.loss', 'distill.loss_kd'):
            # the table's logits come from batches of another size: float32
            # rounding in the teacher's convolutions, nothing more
            assert cached_it[key] == pytest.approx(live_it[key], rel=1e-6)
    assert not [k for k in cached_state if k.startswith('teacher.')]
    student = {k: v for k, v in live_state.items()
               if k.startswith('architecture.')}
    assert student.keys() == cached_state.keys()
    for key, value in student.items():
        assert torch.allclose(value.float(), cached_state[key].float(),
                              atol=1e-6), key


def test_cached_reducenet_student_inherits_from_the_teacher_checkpoint(
        tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = tiny_config('tiny_reducenet_lora_digits.py')
    torch.manual_seed(0)
    teacher = build_in_scope(Config.fromfile(config).model.teacher)
    torch.save(dict(state_dict=teacher.state_dict()), tmp_path / 't.pth')
    options = ['--cfg-options', f'model.teacher_ckpt={tmp_path / "t.pth"}']
    BUILD.main([config, *options])
    cfg = BUILD.prepare_config(config, cfg_options={
        'model.teacher_ckpt': str(tmp_path / 't.pth'),
        'model.teacher_cache': 'auto'})
    assert cfg.model.teacher_cache.startswith('work_dirs/teacher_cache/')
    cached = MODELS.build(cfg.model)
    live_cfg = copy.deepcopy(cfg)
    live_cfg.model.teacher_cache = None
    live = MODELS.build(live_cfg.model)
    assert type(cached.teacher).__name__ == 'CachedTeacher'
    assert not list(cached.teacher.parameters())
    for key, value in live.student.state_dict().items():
        if '.lora.' not in key:
            assert torch.equal(value, cached.student.state_dict()[key]), key
    TRAIN.main([config, '--work-dir', str(tmp_path / 'run'), *options,
                'model.teacher_cache=auto'])
    assert (tmp_path / 'run' / 'epoch_1.pth').is_file()


# --- refusals ------------------------------------------------------------


def test_a_table_of_another_checkpoint_is_refused_before_training(
        table_a, in_cache_dir, capsys):
    work_dir = in_cache_dir / 'refused'
    with pytest.raises(SystemExit) as exit_info:
        TRAIN.run_tool(TRAIN.main, [
            KD, '--work-dir', str(work_dir), *_options(
                in_cache_dir / 'teacher_b.pth',
                f'model.teacher_cache={table_a}')])
    assert exit_info.value.code == 2
    message = capsys.readouterr().err
    assert 'teacher_checkpoint_sha256: table' in message
    assert 'teacher_a.pth' in message and 'teacher_b.pth' in message
    assert 'python tools/build_teacher_cache.py' in message
    assert not work_dir.exists()


def test_a_table_of_another_pipeline_is_refused(table_a, in_cache_dir):
    options = {'model.teacher_ckpt': str(in_cache_dir / 'teacher_a.pth'),
               'train_dataloader.dataset.pipeline': [
                   dict(CROP, padding=2), PACK]}
    with pytest.raises(ConfigError, match='pipeline: table') as error:
        BUILD.prepare_config(KD, cfg_options=dict(
            options, **{'model.teacher_cache': str(table_a)}))
    # 'auto' finds no table for the new pipeline and names the difference
    with pytest.raises(ConfigError, match='no table for this config') as error:
        BUILD.prepare_config(KD, cfg_options=dict(
            options, **{'model.teacher_cache': 'auto'}))
    assert 'pipeline: table' in str(error.value)
    assert 'python tools/build_teacher_cache.py' in str(error.value)


def test_a_table_of_other_classes_is_refused(table_a, in_cache_dir):
    with pytest.raises(ConfigError, match='holds 10 classes, the student '
                       'predicts 5'):
        BUILD.prepare_config(KD, cfg_options={
            'model.teacher_ckpt': str(in_cache_dir / 'teacher_a.pth'),
            'model.architecture.head.num_classes': 5,
            'model.teacher_cache': str(table_a)})


def test_a_folder_that_is_no_table_is_refused(in_cache_dir):
    with pytest.raises(ConfigError, match='is not a finished teacher-output'):
        BUILD.prepare_config(KD, cfg_options={
            'model.teacher_ckpt': str(in_cache_dir / 'teacher_a.pth'),
            'model.teacher_cache': str(in_cache_dir)})
