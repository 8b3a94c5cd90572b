"""reducekd connectors."""
from .factor_transfer_connectors import (  # noqa: F401
    Paraphraser, ParaphraserReconstruction, Translator)
from .lora_branch import (Conv1x1BNBranch, LambdaReLU,  # noqa: F401
                          LowRankConvBranch)
