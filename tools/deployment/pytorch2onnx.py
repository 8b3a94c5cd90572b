"""Export a trained (distilled, fused) model to ONNX and check it.

    python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT --out FILE.onnx
        [--batch N | --dynamic-batch] [--opset K] [--fp16]
        [--verify-dataset] [--threads T] [--out-json FILE]
        [--cfg-options k=v ...]

CONFIG is the config that trained CHECKPOINT, a distillation config (its
student is exported) or a plain one. CHECKPOINT may be a distillation
checkpoint (cut down to its student), a student checkpoint or a fused one;
it must match the model exactly. Linear (LoRA) branches are fused first, as
``tools/model_converters/reparameterize.py`` fuses them, so the ONNX model is
the plain student.

The ONNX model takes a float batch of images as the config's test pipeline
gives them (``input``: N x C x H x W, pixel values 0-255, the dataset's
channel order) and returns ``logits``; the config's normalization is part
of the graph. Before the file is written, the exported model must pass
``onnx.checker`` and onnxruntime's logits on the first test batch must match
PyTorch's (reducekd.deployment.onnx_check gives the tolerances and why);
``--verify-dataset`` also runs the whole test split through both and
requires the same predictions.
"""
import argparse
import copy
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

import reducekd  # noqa: E402,F401
import torch  # noqa: E402
from mmengine.config import DictAction  # noqa: E402

from reducekd.cli import run_tool  # noqa: E402
from reducekd.config_check import check_config, load_config  # noqa: E402
from reducekd.deployment.deployable import (  # noqa: E402
    DeployableClassifier, build_preprocessor, reference_logits)
from reducekd.deployment.onnx_check import (  # noqa: E402
    check_outputs, dataset_agreement, ort_session, run_session,
    split_logits, tolerance_for)
from reducekd.deployment.onnx_export import (  # noqa: E402
    DEFAULT_OPSET, check_opset, check_output_path, export_onnx,
    require_deploy_packages, save_onnx)
from reducekd.deployment.student import (fused_student,  # noqa: E402
                                         trained_student)
from reducekd.deployment.test_split import loader_of_test_split  # noqa: E402
from reducekd.errors import ConversionError  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='the config that trained CHECKPOINT')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', required=True, help='the .onnx file')
    batch = parser.add_mutually_exclusive_group()
    batch.add_argument('--batch', type=int, default=1,
                       help='fixed batch size of the input (default 1)')
    batch.add_argument('--dynamic-batch', action='store_true',
                       help='a symbolic batch dimension instead')
    parser.add_argument('--opset', type=int, default=DEFAULT_OPSET,
                        help='ONNX opset (default %(default)s)')
    parser.add_argument('--fp16', action='store_true',
                        help='half-precision weights, input and output')
    parser.add_argument('--verify-dataset', action='store_true',
                        help='compare top-1 on the whole test split')
    parser.add_argument('--threads', type=int, default=None,
                        help='onnxruntime threads for the checks')
    parser.add_argument('--out-json', help='also write the checks\' '
                        'figures to this JSON file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    args = parser.parse_args(argv)
    if args.batch < 1:
        parser.error(f'--batch must be at least 1, got {args.batch}')
    if args.threads is not None and args.threads < 1:
        parser.error(f'--threads must be at least 1, got {args.threads} '
                     "(leave it out for onnxruntime's default)")
    return args


def prepared_config(args):
    """The config with ``--cfg-options`` merged, checked."""
    cfg = load_config(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    check_config(cfg)
    return cfg


def export_input(images, batch, fp16):
    """The example batch the exporter traces: ``batch`` images of the test
    split (repeated when the split has fewer)."""
    repeats = -(-batch // len(images))
    example = images.float().repeat(repeats, 1, 1, 1)[:batch]
    return example.half() if fp16 else example


def main(argv=None):
    args = parse_args(argv)
    require_deploy_packages()
    check_opset(args.opset)
    check_output_path(args.out)
    cfg = prepared_config(args)
    network = trained_student(cfg, args.checkpoint)
    network, fusion_difference = fused_student(network)
    preprocessor = build_preprocessor(cfg)
    loader = loader_of_test_split(cfg)
    images = torch.stack(list(next(iter(loader))['inputs']))
    deployable = DeployableClassifier(network, preprocessor).eval()
    if args.fp16:
        deployable = copy.deepcopy(deployable).half()
    proto = export_onnx(deployable,
                        export_input(images, args.batch, args.fp16),
                        opset=args.opset, dynamic_batch=args.dynamic_batch)
    session = ort_session(proto.SerializeToString(), args.threads)
    tolerance = tolerance_for(args.fp16)
    record = dict(config=args.config, checkpoint=args.checkpoint,
                  onnx=args.out, opset=args.opset, fp16=args.fp16,
                  batch='dynamic' if args.dynamic_batch else args.batch,
                  fusion_max_rel_diff=fusion_difference, tolerance=tolerance)
    record.update(check_outputs(
        reference_logits(network, preprocessor, images),
        run_session(session, images), tolerance))
    print(f'onnxruntime vs PyTorch on {len(images)} test images: max abs '
          f'difference {record["max_abs_diff"]:.3g} '
          f'({record["max_rel_diff"]:.2e} of the largest logit; at most '
          f'{tolerance:.0e})', flush=True)
    if args.verify_dataset:
        agreement = dataset_agreement(
            *split_logits(session, network, preprocessor, loader), tolerance)
        record.update(agreement)
        print(f'test split, {agreement["samples"]} images: top-1 '
              f'onnxruntime {agreement["onnx_top1"]:.2f}, PyTorch '
              f'{agreement["pytorch_top1"]:.2f}; predictions differ on '
              f'{agreement["disagreements"]}, near-ties explain '
              f'{agreement["disagreements"] - agreement["unexplained"]}',
              flush=True)
        if agreement['unexplained']:
            raise ConversionError(
                f'onnxruntime predicts another class than PyTorch for '
                f'{agreement["unexplained"]} test images whose top two '
                'logits are not near-ties; nothing was written to '
                f'{args.out}. The export is wrong: try another --opset, or '
                'fp32 if this was --fp16.')
    save_onnx(proto, args.out)
    print(f'ONNX model (opset {args.opset}, '
          f'{"fp16" if args.fp16 else "fp32"}, batch {record["batch"]}) '
          f'written to {args.out}', flush=True)
    if args.out_json:
        with open(args.out_json, 'w') as file:
            json.dump(record, file, indent=1)


if __name__ == '__main__':
    run_tool(main)
