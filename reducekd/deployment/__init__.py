"""From a distillation checkpoint to a model an inference runtime runs.

- :mod:`.student`: the trained student of a config and checkpoint (a
  distillation checkpoint is cut down to its student), its linear branches
  fused and the fusion checked.
- :mod:`.deployable`: that student with the config's input normalization in
  front, so the deployed model takes images as the dataset gives them.
- :mod:`.onnx_export`: the ONNX file of a deployable model, written by the
  exporter current torch recommends and checked by ``onnx.checker``.
- :mod:`.onnx_check`: onnxruntime's outputs and top-1 against PyTorch's.
- :mod:`.test_split`: the config's test split, which those checks run on.

``tools/model_converters/reparameterize.py`` and
``tools/deployment/pytorch2onnx.py`` are built on these.
"""
