# tiny_teacher_digits.py, killed by SIGKILL while it writes epoch_3.pth.
_base_ = ['./tiny_teacher_digits.py']
custom_imports = dict(imports=['kill_hook'], allow_failed_imports=False)
custom_hooks = [dict(type='SIGKILLDuringSaveHook', at_epoch=3)]
