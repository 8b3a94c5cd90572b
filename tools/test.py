"""Evaluate a checkpoint with a reducekd config.

    python tools/test.py CONFIG CHECKPOINT [--eval accuracy ...] [--out FILE]
        [--work-dir DIR] [--cfg-options k=v ...] [--launcher L]

The checkpoint must match the config's model exactly (strict loading).
``--eval`` takes the metric names of MMClassification 0.x, as in MMRazor's
docs, and maps them onto mmpretrain's ``test_evaluator``.
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import reducekd  # noqa: E402,F401  (repairs the stack before mmengine runs)
from mmengine.model import is_model_wrapper  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from reducekd.checkpoint import load_state_dict_strictly  # noqa: E402
from reducekd.cli import run_tool  # noqa: E402
from reducekd.dist import finish_distributed  # noqa: E402
from reducekd.evaluation import evaluator_for_metrics  # noqa: E402
from reducekd.runner import (add_runner_arguments,  # noqa: E402
                             parse_runner_arguments, prepare_config)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='test config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    add_runner_arguments(parser)
    parser.add_argument('--out', help='dump the predictions to this pickle')
    parser.add_argument('--metrics-json', help='also write the metrics to '
                        'this JSON file')
    parser.add_argument(
        '--eval', nargs='+', metavar='METRIC',
        help='metrics: accuracy, precision, recall, f1_score, support '
        "(default: the config's test_evaluator)")
    return parse_runner_arguments(parser, argv)


def main(argv=None):
    args = parse_args(argv)
    cfg = prepare_config(args.config, args.launcher, args.work_dir,
                         args.cfg_options)
    if cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.eval:
        cfg.test_evaluator = evaluator_for_metrics(
            args.eval, cfg.get('test_evaluator'))
    if args.out:
        evaluators = cfg.test_evaluator
        if not isinstance(evaluators, list):
            evaluators = [evaluators]
        cfg.test_evaluator = evaluators + [
            dict(type='DumpResults', out_file_path=args.out)]
    cfg.load_from, cfg.resume = None, False
    runner = Runner.from_cfg(cfg)
    model = runner.model.module if is_model_wrapper(runner.model) \
        else runner.model
    load_state_dict_strictly(
        model, args.checkpoint, what='model',
        hint='Test a checkpoint with the config that trained it; for a '
        'student alone convert it with tools/model_converters/.')
    metrics = runner.test()
    if args.metrics_json and runner.rank == 0:
        with open(args.metrics_json, 'w') as file:
            json.dump(metrics, file, indent=1)
    finish_distributed()


if __name__ == '__main__':
    run_tool(main)
