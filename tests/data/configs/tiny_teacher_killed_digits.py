# tiny_teacher_digits.py, killed by SIGKILL at training iteration 10.
_base_ = ['./tiny_teacher_digits.py']
custom_imports = dict(imports=['kill_hook'], allow_failed_imports=False)
custom_hooks = [dict(type='SIGKILLAtIterHook', at_iter=10)]
