"""The forecaster's architecture: layer sizes, and the tensor shapes a state_dict must hold."""

from __future__ import annotations

from dataclasses import dataclass

COURSE_INPUT_SIZE = 17
COURSE_HIDDEN_SIZES = (128, 256, 512)
COURSE_OUTPUT_SIZE = 17
GATES = 4
"""nn.LSTM stacks the input, forget, cell and output gate blocks (i, f, g, o) in one matrix."""


@dataclass(frozen=True)
class Architecture:
    """Stacked single-layer nn.LSTM modules (batch_first) and a linear head on the last step."""

    input_size: int = COURSE_INPUT_SIZE
    hidden_sizes: tuple[int, ...] = COURSE_HIDDEN_SIZES
    output_size: int = COURSE_OUTPUT_SIZE

    def __str__(self) -> str:
        sizes = "→".join(str(size) for size in (self.input_size, *self.hidden_sizes))
        return f"LSTM {sizes}, linear {self.hidden_sizes[-1]}→{self.output_size}"

    def layer_shapes(self) -> list[dict[str, tuple[int, ...]]]:
        """Per layer (LSTMs, then the head), the PyTorch tensor names' leaves and shapes."""
        layers = []
        inputs = self.input_size
        for hidden in self.hidden_sizes:
            layers.append({
                "weight_ih_l0": (GATES * hidden, inputs),
                "weight_hh_l0": (GATES * hidden, hidden),
                "bias_ih_l0": (GATES * hidden,),
                "bias_hh_l0": (GATES * hidden,),
            })
            inputs = hidden
        layers.append({"weight": (self.output_size, inputs), "bias": (self.output_size,)})
        return layers

    def parameter_count(self) -> int:
        """The number of trainable parameters, counted off the expected tensor shapes."""
        total = 0
        for layer in self.layer_shapes():
            for shape in layer.values():
                size = 1
                for dim in shape:
                    size *= dim
                total += size
        return total
