# TensorBoard logging as a named variable (mmengine refuses two bases that
# set the same key, and default_runtime.py sets visualizer). To log to
# TensorBoard too, add this file to a config's _base_ and write:
#   _base_ = [..., '../_base_/default_runtime.py', '../_base_/tensorboard.py']
#   visualizer = dict(vis_backends={{_base_.tensorboard_vis_backends}})
# Needs the tensorboard package (pip install -e ".[tensorboard]"); the
# events land in WORK_DIR/<timestamp>/vis_data/ beside scalars.json:
#   tensorboard --logdir WORK_DIR
# Without editing a config:
#   --cfg-options "visualizer.vis_backends=[dict(type='LocalVisBackend'),dict(type='TensorboardVisBackend')]"
tensorboard_vis_backends = [dict(type='LocalVisBackend'),
                            dict(type='TensorboardVisBackend')]
