"""Checks for the notebooks' exercises: each says "passed", or what is wrong with a hint — never the answer.

Every ``check_*`` takes the learner's function or class, runs it on small inputs whose right answer the
library knows, and prints ``✓ <exercise>: passed``. When something is off it raises
:class:`ExerciseError` with a hint: a wrong shape, a value at a known input, a broken invariance, or a
known mistake recognised (e.g. a ReLU after the residual addition). An exercise left as its stub
(``raise NotImplementedError``) gets a reminder instead of a traceback.

The exercises (notebook: what the learner writes):

* 01 ``resnet_block``: CycleGAN's residual block x + F(x).
* 01 ``cyclegan_generator_loss``: the CycleGAN generator objective (LSGAN + λ_cyc·cycle + λ_idt·identity,
  both directions).
* 02 ``set_sum``: Σ_i f_GA(a_i), per sample, over the instances that exist.
* 02 ``set_discriminator``: the set discriminator's score from its parts.
* 03 ``context_weight``: w(a, b').
* 03 ``context_loss``: both terms of L_ctx, ‖w(a, b') ⊙ (x − y')‖₁ + ‖w(b, a') ⊙ (y − x')‖₁.
* 04 ``sequential_loop``: the m-step loop with its detaches.
* 04 ``aggregated_fake``: what the discriminator sees at step m.
* 05 ``generator_objective``: InstaGAN's full generator objective at one step, both directions.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
from collections.abc import Callable, Sequence
from types import ModuleType

import torch
from torch import nn

from .checkpoint import error_summary
from .cyclegan import PatchDiscriminator, PatchDiscriminatorConfig, ResnetGenerator, ResnetGeneratorConfig
from .layers import ResnetBlock
from .losses import LossWeights, context_preserving_loss, cycle_loss, generator_gan_loss, identity_loss
from .masks import context_weight, instance_validity, pad_masks
from .model import TranslationModel
from .notebook import stable_text
from .sequence import SequentialConfig
from .set_networks import SetDiscriminator, SetDiscriminatorConfig, SetGenerator, SetGeneratorConfig, encode_set
from .step import generator_terms
from .translate import TranslateOptions, sequential_translate

# The modules whose functions an answer must not call (the package re-exports a function named translate,
# which hides the module of that name from `from . import translate`).
_losses, _masks, _set_networks, _step, _translate = (
    importlib.import_module(f"{__package__}.{module}")
    for module in ("losses", "masks", "set_networks", "step", "translate")
)

__all__ = [
    "EXERCISES",
    "ExerciseError",
    "check_aggregated_fake",
    "check_context_loss",
    "check_context_weight",
    "check_cyclegan_generator_loss",
    "check_generator_objective",
    "check_resnet_block",
    "check_sequential_loop",
    "check_set_discriminator",
    "check_set_sum",
]


class ExerciseError(AssertionError):
    """An exercise's answer is not right yet; the message says what is wrong and hints at why."""


def _never_crashes(check: Callable[..., None]) -> Callable[..., None]:
    """Wrap a check so that whatever a learner's answer does, the failure is an :class:`ExerciseError`
    with the check's own words, never a raw traceback from inside the check."""
    name = check.__name__.removeprefix("check_")

    @functools.wraps(check)
    def wrapped(answer: Callable, seed: int | None = None) -> None:
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
            raise ValueError(f"seed must be None (the notebook's inputs) or an integer >= 0, got {seed!r}")
        try:
            check(answer, seed)
        except ExerciseError:
            raise
        except Exception as err:  # the answer returned something the check could not use
            raise ExerciseError(
                f"{name}: your answer could not be checked ({type(err).__name__}: {error_summary(err)})"
            ) from err

    return wrapped


class _Tripwire:
    """Stands in for a library function that an answer must not call (its own job is to compute it)."""

    def __init__(self, name: str, label: str) -> None:
        self.name, self.label = name, label

    def __call__(self, *args, **kwargs):
        raise ExerciseError(
            f"{self.name}: your answer calls the library's {self.label}, the very thing the exercise builds"
        )


@contextlib.contextmanager
def _forbidding(name: str, answer: object, functions: Sequence[tuple[ModuleType, str]]):
    """While the body runs, each ``(module, attribute)`` library function raises when called: in its module
    and wherever the answer's own globals (a notebook's namespace) hold it."""
    namespaces: list[dict] = []
    for holder in (answer, getattr(answer, "__init__", None), getattr(answer, "forward", None)):
        space = getattr(holder, "__globals__", None)
        if isinstance(space, dict) and all(space is not n for n in namespaces):
            namespaces.append(space)
    saved: list[tuple[object, str, object]] = []
    try:
        for module, attribute in functions:
            original = getattr(module, attribute)
            wire = _Tripwire(name, f"{module.__name__}.{attribute}")
            saved.append((module, attribute, original))
            setattr(module, attribute, wire)
            for space in namespaces:
                for key, value in list(space.items()):
                    if value is original:
                        saved.append((space, key, original))
                        space[key] = wire
        yield
    finally:
        for holder, key, original in reversed(saved):
            if isinstance(holder, dict):
                holder[key] = original
            else:
                setattr(holder, key, original)


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _uniform(g: torch.Generator, *shape: int) -> torch.Tensor:
    """Values in [-1, 1), drawn from ``g``."""
    return torch.rand(*shape, generator=g) * 2 - 1


def _random_masks(
    g: torch.Generator, counts: Sequence[int], slots: int, size: int, decreasing: bool = False, scatter: bool = False
) -> torch.Tensor:
    """Masks (len(counts), slots, size, size): sample i holds ``counts[i]`` random boxes (sides 3 to
    size/2) in its first slots (in random slots with ``scatter``), the rest absent (-1); with
    ``decreasing`` the boxes are sorted by area."""
    boxes = []
    for count in counts:
        sample = []
        for _ in range(count):
            h, w = (int(torch.randint(3, size // 2 + 1, (1,), generator=g)) for _ in range(2))
            y0, x0 = (
                int(torch.randint(0, size - h + 1, (1,), generator=g)),
                int(torch.randint(0, size - w + 1, (1,), generator=g)),
            )
            sample.append((y0, x0, y0 + h, x0 + w))
        if decreasing:
            sample.sort(key=lambda box: -(box[2] - box[0]) * (box[3] - box[1]))
        boxes.append(sample)
    masks = _boxes(len(counts), slots, size, boxes)
    if scatter:
        masks = torch.stack([m[torch.randperm(slots, generator=g)] for m in masks])
    return masks


def _run(name: str, call: Callable):
    """Call the learner's code; a stub left as is gets a reminder, any other error a hint."""
    try:
        return call()
    except NotImplementedError:
        raise ExerciseError(f"{name}: not written yet — replace `raise NotImplementedError` with your code") from None
    except ExerciseError:
        raise
    except Exception as err:  # the learner's code crashed: say where, briefly
        raise ExerciseError(f"{name}: your code raised {type(err).__name__}: {error_summary(err)}") from err


def _copy(value):
    if isinstance(value, torch.Tensor):
        return value.clone()  # a leaf's clone keeps the graph: gradients still reach the leaf
    if isinstance(value, list | tuple):
        return type(value)(_copy(v) for v in value)
    return value


def _call(name: str, fn: Callable, **arguments):
    """Call the learner's ``fn`` with copies of ``arguments`` (in order, positionally) and report an answer
    that changes one of them in place: the caller's tensor would change too, and every value computed
    from it afterwards would be wrong."""
    copies = {key: _copy(value) for key, value in arguments.items()}
    given = {key: list(value) if isinstance(value, list) else value for key, value in copies.items()}
    result = _run(name, lambda: fn(*copies.values()))
    for key, original in arguments.items():
        mine, handed = copies[key], given[key]
        if isinstance(original, torch.Tensor):
            changed = mine.shape != original.shape or not torch.equal(mine.detach(), original.detach())
        elif isinstance(original, list):
            changed = len(mine) != len(handed) or any(m is not h for m, h in zip(mine, handed, strict=False))
            changed = changed or any(
                m.shape != o.shape or not torch.equal(m.detach(), o.detach())
                for m, o in zip(mine, original, strict=False)
            )
        else:
            changed = False
        if changed:
            raise ExerciseError(
                f"{name}: your code changes its argument {key} in place, so the caller's copy changes too"
            )
    return result


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _passed(name: str, what: str) -> None:
    print(f"✓ {name}: passed ({what})")


def _shown(value: torch.Tensor) -> str:
    """A checked value as the pass message prints it: 3 decimals that read the same for any difference
    under 1e-4 (CPUs differ by about 1e-5 here), or fewer where the value lies near a rounding boundary
    (hidden inputs are random; the notebook's are chosen to print 3)."""
    for decimals in (3, 2, 1):
        with contextlib.suppress(ValueError):
            return stable_text(value.item(), decimals)
    return f"{value.item():.0f}"


def _close(a: torch.Tensor, b: torch.Tensor, atol: float = 1e-5) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and torch.allclose(a, b, atol=atol, rtol=1e-4)


def _expect_tensor(name: str, value, shape: tuple[int, ...] | None = None, what: str = "") -> torch.Tensor:
    """``value`` as a float32 tensor of ``shape``, or an error that says what it is instead."""
    label = f"{name}: {what + ': ' if what else ''}"
    if not isinstance(value, torch.Tensor):
        raise ExerciseError(f"{label}expected a torch.Tensor, got {type(value).__name__}")
    if value.dtype != torch.float32:
        raise ExerciseError(f"{label}expected a float32 tensor like the inputs, got {value.dtype}")
    if shape is not None and tuple(value.shape) != shape:
        raise ExerciseError(f"{label}expected shape {shape}, got {tuple(value.shape)}")
    return value


def _expect_scalar(name: str, value) -> torch.Tensor:
    value = _expect_tensor(name, value)
    if value.dim() != 0:
        raise ExerciseError(f"{name}: expected a scalar (0-d tensor), got shape {tuple(value.shape)}")
    return value


def _first_match(got: torch.Tensor, mistakes: dict[str, Callable[[], torch.Tensor]], atol: float) -> str | None:
    """The hint of the first known mistake whose value ``got`` equals, or None."""
    for hint, value in mistakes.items():
        if _close(got, value(), atol):
            return hint
    return None


def _gradients(name: str, value: torch.Tensor, inputs: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """∂value/∂input for each of ``inputs`` (zeros where no gradient reaches it)."""
    if not value.requires_grad:
        return [torch.zeros_like(t) for t in inputs]
    try:
        grads = torch.autograd.grad(value.sum(), list(inputs), retain_graph=True, allow_unused=True)
    except RuntimeError as err:
        raise ExerciseError(f"{name}: the gradient of your result cannot be computed ({error_summary(err)})") from None
    return [torch.zeros_like(t) if g is None else g for t, g in zip(inputs, grads, strict=True)]


def _same_gradients(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    """Equal up to float noise: relative to the whole group's gradient norm (per-tensor tolerances fail on
    e.g. a bias before a normalisation, whose true gradient is 0 and whose computed one is noise)."""
    a_flat, b_flat = torch.cat([g.flatten() for g in a]), torch.cat([g.flatten() for g in b])
    return bool((a_flat - b_flat).norm() <= 1e-3 * b_flat.norm() + 1e-9)


def _check_gradients(
    name: str,
    got: torch.Tensor,
    right: torch.Tensor,
    groups: dict[str, list[torch.Tensor]],
    mistakes: dict[str, Callable[[], torch.Tensor]] | Sequence[tuple[str, Callable[[], torch.Tensor]]] = (),
) -> None:
    """Raise when the gradient of ``got`` into any group of tensors differs from that of ``right``
    (whose value ``got`` already equals): the hint of the known mistake whose gradient it has, or
    which groups the gradient fails to reach or reaches where it must not."""
    inputs = [t for tensors in groups.values() for t in tensors]
    mine, wanted = _gradients(name, got, inputs), _gradients(name, right, inputs)
    if _same_gradients(mine, wanted):
        return
    for hint, make in mistakes.items() if isinstance(mistakes, dict) else mistakes:
        if _same_gradients(mine, _gradients(name, make(), inputs)):
            raise ExerciseError(f"{name}: the value is right, but {hint}")
    problems, i = [], 0
    for group, tensors in groups.items():
        yours, right_ones = mine[i : i + len(tensors)], wanted[i : i + len(tensors)]
        i += len(tensors)
        if _same_gradients(yours, right_ones):
            continue
        if all(g.abs().sum() == 0 for g in yours):
            problems.append(f"no gradient reaches {group}")
        elif all(g.abs().sum() == 0 for g in right_ones):
            problems.append(f"gradient reaches {group}, which must get none")
        else:
            problems.append(f"the gradient into {group} is not the objective's")
    raise ExerciseError(f"{name}: the value is right, but {'; '.join(problems)}")


def _parameters(*modules: nn.Module) -> list[torch.Tensor]:
    return [p for m in modules for p in m.parameters()]


def _boxes(batch: int, slots: int, size: int, boxes: list[list[tuple[int, int, int, int]]]) -> torch.Tensor:
    masks = -torch.ones(batch, slots, size, size)
    for b, sample in enumerate(boxes):
        for k, (y0, x0, y1, x1) in enumerate(sample):
            masks[b, k, y0:y1, x0:x1] = 1.0
    return masks


def _soft_masks(*shape: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Generated-looking masks in (-1, 1): soft values, so that a gradient can flow through them (never
    exactly ±1, where a clamp's gradient depends on how it is written)."""
    return torch.tanh(2 * torch.randn(*shape, generator=generator)).clamp(-0.995, 0.995)


def _soften(masks: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Hard masks with each instance's pixels replaced by soft values in [0.2, 1): what a generator makes.
    Absent slots and background stay exactly -1."""
    soft = 0.2 + 0.8 * torch.rand(masks.shape, generator=generator)
    return torch.where(masks > -1, soft, masks)


# --- 01 · CycleGAN ----------------------------------------------------------------------------------


def _state_dict_problem(mine: nn.Module, reference: nn.Module) -> str | None:
    """Why the library's weights do not load into ``mine`` (every key named), or None when they do."""
    try:
        result = mine.load_state_dict(reference.state_dict(), strict=False)
    except RuntimeError as err:
        sizes = [line.strip() for line in str(err).splitlines() if "size mismatch" in line]
        return "; ".join(sizes) or error_summary(err)
    parts = []
    if result.unexpected_keys:
        parts.append(f"the library's block has {', '.join(result.unexpected_keys)}, which yours lacks")
    if result.missing_keys:
        parts.append(f"yours has {', '.join(result.missing_keys)}, which the library's lacks")
    return "; ".join(parts) or None


@_never_crashes
def check_resnet_block(block_class: type[nn.Module], seed: int | None = None) -> None:
    """``block_class(channels)`` must be CycleGAN's residual block x + F(x) with F = [ReflectionPad 1,
    Conv 3×3, InstanceNorm, ReLU, ReflectionPad 1, Conv 3×3, InstanceNorm] in an ``nn.Sequential`` named
    ``conv_block`` (so the library's weights load into it), written without the library's ResnetBlock.

    ``seed``: None checks on the notebook's inputs; an integer draws other inputs of the same kind from
    it (the hidden tests of the instructor build)."""
    name = "resnet_block"
    channels, size = (8, 12) if seed is None else ((3, 5, 6, 7, 9, 10)[seed % 6], (9, 10, 11, 13, 14)[seed % 5])
    torch.manual_seed(0 if seed is None else seed)
    reference = ResnetBlock(channels)
    if isinstance(block_class, type) and issubclass(block_class, ResnetBlock):
        raise ExerciseError(f"{name}: your block is the library's ResnetBlock (a subclass), not one you wrote")
    mine = _run(name, lambda: block_class(channels))
    if not isinstance(mine, nn.Module):
        raise ExerciseError(f"{name}: expected an nn.Module, got {type(mine).__name__}")
    if any(isinstance(m, ResnetBlock) for m in mine.modules()):
        raise ExerciseError(f"{name}: your block holds the library's ResnetBlock instead of its own layers")
    problem = _state_dict_problem(mine, reference)
    if problem:
        raise ExerciseError(f"{name}: the library's weights do not load into your block by name: {problem}")
    x = torch.randn(2, channels, size, size)
    with torch.no_grad():
        got = _expect_tensor(name, _call(name, mine, x=x), (2, channels, size, size))
        pad, conv1, norm1, relu, _, conv2, norm2 = reference.conv_block
        right = x + reference.conv_block(x)
        if _close(got, right):
            _passed(name, "same output as the library's ResnetBlock, weights loaded by name")
            return

        def body(padding: nn.Module = pad, first_norm: bool = True, inner_relu: bool = True, last_norm: bool = True):
            h = conv1(padding(x))
            h = relu(norm1(h) if first_norm else h) if inner_relu else (norm1(h) if first_norm else h)
            h = conv2(padding(h))
            return norm2(h) if last_norm else h

        mistakes = {
            "your block returns F(x) alone: the skip connection is missing": lambda: body(),
            "there is a ReLU after the addition: the block's output is clipped at 0": lambda: torch.relu(x + body()),
            "the border is padded with zeros, a different padding from the block's": lambda: x + body(nn.ZeroPad2d(1)),
            "the border is padded with copies of the edge pixels, a different padding from the block's": lambda: (
                x + body(nn.ReplicationPad2d(1))
            ),
            "F ends without its normalisation: its last layer is missing": lambda: x + body(last_norm=False),
            "F's first convolution is not normalised": lambda: x + body(first_norm=False),
            "F has no nonlinearity between its convolutions": lambda: x + body(inner_relu=False),
            "F ends with a ReLU, so it can only add to x, never subtract": lambda: x + torch.relu(body()),
        }
        hint = _first_match(got, mistakes, 1e-5)
    if hint:
        raise ExerciseError(f"{name}: {hint}")
    raise ExerciseError(f"{name}: the output differs from x + F(x), and not by a slip this check knows")


def _tiny_cyclegan(seed: int = 0) -> tuple[nn.Module, nn.Module, nn.Module, nn.Module]:
    """G_A, G_B, D_A, D_B: tiny image-to-image CycleGAN networks."""
    torch.manual_seed(seed)
    generators = [ResnetGenerator(ResnetGeneratorConfig(ngf=4, n_blocks=1)) for _ in range(2)]
    discriminators = [PatchDiscriminator(PatchDiscriminatorConfig(ndf=4, n_layers=2)) for _ in range(2)]
    return (*generators, *discriminators)


@_never_crashes
def check_cyclegan_generator_loss(loss_fn: Callable, seed: int | None = None) -> None:
    """``loss_fn(G_A, G_B, D_A, D_B, x, y, weights)`` with image-to-image networks (G_A: X → Y, D_A
    judges Y) must return CycleGAN's generator objective, a scalar:
    LSGAN(D_A(G_A(x))) + LSGAN(D_B(G_B(y))) + λ_cyc·(‖G_B(G_A(x)) − x‖₁ + ‖G_A(G_B(y)) − y‖₁)
    + λ_idt·(‖G_B(x) − x‖₁ + ‖G_A(y) − y‖₁), whose gradient reaches both generators along every path.

    ``seed``: None checks on the notebook's inputs; an integer draws other inputs of the same kind from
    it (the hidden tests of the instructor build)."""
    name = "cyclegan_generator_loss"
    G_A, G_B, D_A, D_B = _tiny_cyclegan(0 if seed is None else seed)
    g = _generator(1 if seed is None else seed + 1)
    x, y = _uniform(g, 2, 3, 16, 16), _uniform(g, 2, 3, 16, 16)
    lam_cyc, lam_idt = (10.0, 5.0) if seed is None else (float(6 + seed % 7), (1 + seed % 4) / 2 + 0.25)  # never 1
    weights = LossWeights(cycle=lam_cyc, identity=lam_idt, context=0.0)
    got = _expect_scalar(name, _call(name, loss_fn, G_A=G_A, G_B=G_B, D_A=D_A, D_B=D_B, x=x, y=y, weights=weights))

    def objective(detach_cycle=(False, False), detach_gan=(False, False), identity_by=None, cycle_by=None,
                  l_cyc: float = lam_cyc, l_idt: float = lam_idt, directions: int = 2) -> torch.Tensor:  # fmt: skip
        fx, fy = G_A(x), G_B(y)
        into_d = [f.detach() if cut else f for f, cut in zip((fx, fy), detach_gan, strict=True)]
        into_cycle = [f.detach() if cut else f for f, cut in zip((fx, fy), detach_cycle, strict=True)]
        back_a, back_b = cycle_by or (G_B, G_A)
        idt_a, idt_b = identity_by or (G_B, G_A)
        terms = [
            generator_gan_loss(D_A(into_d[0]))
            + l_cyc * cycle_loss(back_a(into_cycle[0]), x)
            + l_idt * identity_loss(idt_a(x), x),
            generator_gan_loss(D_B(into_d[1]))
            + l_cyc * cycle_loss(back_b(into_cycle[1]), y)
            + l_idt * identity_loss(idt_b(y), y),
        ]
        return sum(terms[:directions])

    right = objective()
    if _close(got, right):
        if not got.requires_grad:
            raise ExerciseError(f"{name}: the value is right but carries no gradient: it was cut from the graph")
        _check_gradients(
            name,
            got,
            right,
            {"G_A": _parameters(G_A), "G_B": _parameters(G_B)},
            [
                (f"{hint}{where}", functools.partial(objective, **{key: cut}))
                for key, hint in (
                    ("detach_cycle", "the cycle term sends no gradient into the generator that made the fake"),
                    ("detach_gan", "the adversarial term sends no gradient into the generator"),
                )
                for cut, where in (
                    ((True, True), " (both directions)"),
                    ((True, False), " (X → Y → X)"),
                    ((False, True), " (Y → X → Y)"),
                )
            ],
        )
        gan = generator_gan_loss(D_A(G_A(x))) + generator_gan_loss(D_B(G_B(y)))
        _passed(
            name,
            f"{_shown(got)} = GAN {_shown(gan)} + {lam_cyc:g}·cycle + {lam_idt:g}·identity, "
            "gradients into both generators",
        )
        return
    mistakes = {
        "the identity terms are missing": lambda: objective(l_idt=0.0),
        "the cycle terms are missing": lambda: objective(l_cyc=0.0),
        "the identity loss applies the translating generator (G_A(x) ≈ x)": lambda: objective(identity_by=(G_A, G_B)),
        "the cycle goes back through the same generator that translated (G_A(G_A(x)))": lambda: objective(
            cycle_by=(G_A, G_B)
        ),
        "λ_cyc and λ_idt are swapped": lambda: objective(l_cyc=lam_idt, l_idt=lam_cyc),
        "the identity terms are weighted by λ_cyc": lambda: objective(l_idt=lam_cyc),
        "the terms are not weighted: every λ is 1": lambda: objective(l_cyc=1.0, l_idt=1.0),
        "the identity terms are not weighted (λ_idt is missing)": lambda: objective(l_idt=1.0),
        "the cycle terms are not weighted (λ_cyc is missing)": lambda: objective(l_cyc=1.0),
        "only one direction is there (X → Y)": lambda: objective(directions=1),
        "the adversarial terms score the fakes as fake (the discriminator's target)": lambda: (
            objective()
            - generator_gan_loss(D_A(G_A(x)))
            - generator_gan_loss(D_B(G_B(y)))
            + D_A(G_A(x)).pow(2).mean()
            + D_B(G_B(y)).pow(2).mean()
        ),
        "that is the mean of the two directions; the objective adds them": lambda: objective() / 2,
    }
    hint = _first_match(got, mistakes, 1e-5)
    if hint:
        raise ExerciseError(f"{name}: {hint}")
    raise ExerciseError(
        f"{name}: got {got.item():.6g}, expected {right.item():.6g}, and not by a slip this check knows"
    )


# --- 02 · instance-aware networks -------------------------------------------------------------------


def _tiny_set_networks(seed: int = 0) -> tuple[SetGenerator, SetDiscriminator]:
    torch.manual_seed(seed)
    return SetGenerator(SetGeneratorConfig(ngf=4, n_blocks=1)), SetDiscriminator(
        SetDiscriminatorConfig(ndf=4, n_layers=2)
    )


def _set_sum_mistakes(encoder: nn.Module, masks: torch.Tensor) -> dict[str, Callable[[], torch.Tensor]]:
    """Set features (B, C, h, w) built with the usual slips, by the hint that names each."""
    b, k, h, w = masks.shape
    every = encoder(masks.reshape(b * k, 1, h, w)).reshape(b, k, -1, *encoder(masks[:1, :1]).shape[2:])
    valid = instance_validity(masks)[..., None, None, None].float()
    right = (every * valid).sum(1)
    union = masks.max(1, keepdim=True).values
    return {
        "absent slots (all -1) were encoded and added": lambda: every.sum(1),
        "the last slot is left out of the sum": lambda: (every[:, :-1] * valid[:, :-1]).sum(1),
        "the sum runs over the whole batch, mixing samples": lambda: right.sum(0, keepdim=True).expand_as(right),
        "that is a mean over the instances; the set feature is their sum": lambda: right / valid.sum(1).clamp(min=1),
        "that is a maximum over the instances; the set feature is their sum": lambda: (every * valid).amax(1),
        "the masks were merged before encoding: that encodes one union, not each instance": lambda: encoder(union),
        "a sample without any instance gets a nonzero set feature": lambda: torch.cat([right[:-1], every[-1:, 0]], 0),
    }


def _set_scene(seed: int | None, slots: int = 3, empty: bool = True) -> torch.Tensor:
    """Soft instance masks (B, slots, 16, 16) for the set exercises, absent slots all -1. The notebook's
    (seed None): sample 0 holds slots 0 and 2 (a gap, and the last slot used), sample 1 slot 1, and with
    ``empty`` a last sample holds none. With a seed: random boxes in random slots, sample 0 full."""
    g = _generator(0 if seed is None else seed)
    if seed is None:
        nothing = (0, 0, 0, 0)  # an empty box: the slot stays absent
        masks = _boxes(2, slots, 16, [[(1, 1, 7, 5), nothing, (8, 8, 15, 11)], [nothing, (3, 3, 12, 9)]])
    else:
        masks = _random_masks(g, [slots, 1 + seed % (slots - 1)], slots, 16, scatter=True)
    if empty:
        masks = torch.cat([masks, -torch.ones(1, slots, 16, 16)])
    return _soften(masks, g)


@_never_crashes
def check_set_sum(set_sum_fn: Callable, seed: int | None = None) -> None:
    """``set_sum_fn(encoder, masks)``: masks (B, K, H, W) in [-1, 1], absent slots all -1; ``encoder``
    maps (N, 1, H, W) to (N, C, h, w). Must return Σ_i encoder(a_i) per sample over the slots that hold
    an instance: (B, C, h, w), zeros for a sample without instances, with the gradient reaching the
    encoder and the masks (generated masks are soft, and f_GA learns through this sum), without the
    library's ``encode_set``.

    ``seed``: None checks on the notebook's inputs; an integer draws other inputs of the same kind from
    it (the hidden tests of the instructor build)."""
    name = "set_sum"
    G, _ = _tiny_set_networks(0 if seed is None else seed)
    f_GA = G.encoder_seg
    masks = _set_scene(seed, 3 if seed is None else 4).requires_grad_(True)
    permutation = [1, 0, *range(2, masks.shape[1])][::-1]
    with _forbidding(name, set_sum_fn, [(_set_networks, "encode_set")]):
        got = _expect_tensor(name, _call(name, set_sum_fn, encoder=f_GA, masks=masks))
        _, right = encode_set(f_GA, masks, instance_validity(masks))
        if got.shape != right.shape:
            raise ExerciseError(
                f"{name}: expected shape {tuple(right.shape)} (one set feature per sample), got {tuple(got.shape)}"
            )
        if _close(got, right, 1e-4):
            permuted = _expect_tensor(name, _call(name, set_sum_fn, encoder=f_GA, masks=masks[:, permutation]))
            if not _close(permuted, right, 1e-4):
                raise ExerciseError(f"{name}: the result changes when the slots are permuted; a set's must not")
            _check_gradients(name, got, right, {"the mask encoder f_GA": _parameters(f_GA), "the masks": [masks]})
            _passed(name, "equals the library's set sum, invariant to the slot order, absent slots add nothing")
            return
        with torch.no_grad():
            hint = _first_match(got, _set_sum_mistakes(f_GA, masks), 1e-4)
            binary = torch.where(masks > 0, torch.ones_like(masks), -torch.ones_like(masks))
            if _close(got, encode_set(f_GA, binary, instance_validity(binary))[1], 1e-4):
                hint = "the masks were made hard (±1) before encoding; generated masks are soft"
    if hint:
        raise ExerciseError(f"{name}: {hint}")
    raise ExerciseError(f"{name}: the values differ from Σ_i f_GA(a_i) over each sample's instances")


class _PartsOnly(nn.Module):
    """A set discriminator's parts without its forward: the exercise builds the score from them."""

    def __init__(self, D: SetDiscriminator) -> None:
        super().__init__()
        self.feature_img, self.feature_seg, self.classifier = D.feature_img, D.feature_seg, D.classifier

    def forward(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        raise ExerciseError(
            "set_discriminator: your code calls D(images, masks) itself, so it reproduces the answer without "
            "building it from D's parts"
        )


@_never_crashes
def check_set_discriminator(score_fn: Callable, seed: int | None = None) -> None:
    """``score_fn(D, images, masks)`` must compute a :class:`SetDiscriminator`'s patch scores from its
    parts: ``D.classifier`` on the channel concatenation [D.feature_img(x), Σ_i D.feature_seg(a_i)].
    The D it receives has the parts only: calling ``D(images, masks)`` is reported.

    ``seed``: None checks on the notebook's inputs; an integer draws other inputs of the same kind from
    it (the hidden tests of the instructor build)."""
    name = "set_discriminator"
    _, D = _tiny_set_networks(0 if seed is None else seed)
    D.eval()
    g = _generator(2 if seed is None else seed + 2)
    images, masks = _uniform(g, 2, 3, 16, 16), _set_scene(seed, empty=False).requires_grad_(True)
    right = D(images, masks)
    got = _expect_tensor(name, _call(name, score_fn, D=_PartsOnly(D), images=images, masks=masks))
    if _close(got, right, 1e-4):
        groups = {
            "D's image branch": _parameters(D.feature_img),
            "D's mask branch": _parameters(D.feature_seg),
            "the masks": [masks],
        }
        _check_gradients(name, got, right, groups)
        _passed(name, f"same scores as D(images, masks), shape {tuple(right.shape)}, gradients checked")
        return
    with torch.no_grad():
        if got.shape != right.shape:
            raise ExerciseError(f"{name}: expected scores of shape {tuple(right.shape)}, got {tuple(got.shape)}")
        feat = D.feature_img(images)
        mistakes = {
            "the image and mask features reach the classifier in the other order than it expects": lambda: D.classifier(
                torch.cat([encode_set(D.feature_seg, masks, instance_validity(masks))[1], feat], 1)
            ),
        }
        for hint, set_feature in _set_sum_mistakes(D.feature_seg, masks).items():
            mistakes[f"in the set feature, {hint}"] = functools.partial(
                lambda s: D.classifier(torch.cat([feat, s()], 1)), set_feature
            )
        hint = _first_match(got, mistakes, 1e-4)
    if hint:
        raise ExerciseError(f"{name}: {hint}")
    raise ExerciseError(f"{name}: the scores differ from the classifier's on [image features, set feature]")


# --- 03 · the context-preserving loss ---------------------------------------------------------------


def _context_weight_scene() -> tuple[torch.Tensor, torch.Tensor]:
    """a (2, 2, 3, 3), b' (2, 2, 3, 3): hard input masks and soft generated ones, chosen so that each
    known mistake gives a value of its own (overlaps within b', overlaps of a with b', background)."""
    a = -torch.ones(2, 2, 3, 3)
    a[0, 0, 0, :2] = 1.0
    a[0, 1, 0, 1:] = 1.0  # overlaps slot 0 at (0, 1)
    a[1, 0, 2, 2] = 1.0
    b = torch.tensor(
        [
            [
                [[-0.98, 0.2, -0.96], [0.6, -0.4, -0.97], [-0.99, -0.95, -0.98]],
                [[-0.97, -0.99, -0.96], [0.3, -0.98, -0.8], [-0.96, -0.5, -0.97]],
            ],
            [
                [[0.4, -0.97, -0.98], [-0.96, -0.99, -0.97], [-0.2, -0.98, 0.1]],
                [[-0.6, -0.96, -0.99], [-0.97, 0.9, -0.98], [0.5, -0.97, -0.96]],
            ],
        ]
    )  # fmt: skip  (b' never exactly -1: where the union is exactly 0 or 1, a clamp's gradient depends on
    # how it is written, and a right answer must not fail on that)
    return a, b.requires_grad_(True)


@_never_crashes
def check_context_weight(weight_fn: Callable, seed: int | None = None) -> None:
    """``weight_fn(a, b)`` with masks a (B, K, H, W), b (B, K', H, W) in [-1, 1] must return
    w(a, b') = 1 − clamp(Σ_k (a_k + 1)/2 + Σ_k (b'_k + 1)/2, 0, 1), shape (B, 1, H, W), and let the
    gradient flow into b', without the library's ``context_weight`` or ``merge_masks``.

    ``seed``: None checks on the notebook's inputs; an integer draws other inputs of the same kind from
    it (the hidden tests of the instructor build)."""
    name = "context_weight"
    if seed is None:
        a, b = _context_weight_scene()
    else:  # 2 samples of 6×6: 2 input slots, 3 soft generated ones
        g = _generator(seed)
        a = _random_masks(g, [2, 1 + seed % 2], 2, 6)
        b = _soft_masks(2, 3, 6, 6, generator=g).requires_grad_(True)
    forbidden = [(_masks, "context_weight"), (_masks, "merge_masks")]
    with _forbidding(name, weight_fn, forbidden):
        got = _expect_tensor(name, _call(name, weight_fn, a=a, b=b))
    right = context_weight(a, b)
    if got.shape != right.shape:
        raise ExerciseError(
            f"{name}: expected shape {tuple(right.shape)} (one weight map per sample), got {tuple(got.shape)}"
        )
    if not _close(got, right):
        a01, b01 = (a + 1) / 2, (b + 1) / 2
        union = a01.sum(1, keepdim=True) + b01.sum(1, keepdim=True)
        raw = a.sum(1, keepdim=True) + b.sum(1, keepdim=True)
        mistakes = {
            "w leaves [0, 1] where instances overlap: the summed union is not clamped": lambda: 1 - union,
            "that is 1 − min(a, b'), the paper's wording; the authors' code and this library take the union": lambda: (
                1 - torch.minimum(a01.amax(1, keepdim=True), b01.amax(1, keepdim=True))
            ),
            "the masks enter with their [-1, 1] values: background (-1) counts against the union": lambda: (
                1 - raw.clamp(0, 1)
            ),
            "that is the union itself, 1 inside the instances; w is 1 on the background": lambda: union.clamp(0, 1),
            "overlapping instances are combined by a maximum, which stays below 1 where soft masks overlap": lambda: (
                1 - (a01.amax(1, keepdim=True) + b01.amax(1, keepdim=True)).clamp(0, 1)
            ),
            "the generated masks b' are left out of w": lambda: 1 - a01.sum(1, keepdim=True).clamp(0, 1),
            "the input masks a are left out of w": lambda: 1 - b01.sum(1, keepdim=True).clamp(0, 1),
        }
        with torch.no_grad():
            hint = _first_match(got, mistakes, 1e-5)
        if hint:
            raise ExerciseError(f"{name}: {hint}")
        if (got < -1e-6).any() or (got > 1 + 1e-6).any():
            raise ExerciseError(
                f"{name}: w must lie in [0, 1]; yours reaches {got.min().item():.2f}…{got.max().item():.2f}"
            )
        raise ExerciseError(f"{name}: at a known input w differs from 1 − clamp(union, 0, 1)")
    _check_gradients(name, got, right, {"the generated masks b'": [b]})
    _passed(name, "values at a hand-checked input, range [0, 1], gradient into b'")


@_never_crashes
def check_context_loss(loss_fn: Callable, seed: int | None = None) -> None:
    """``loss_fn(x, y_fake, a, b_fake, y, x_fake, b, a_fake)`` must return both terms of L_ctx (Eq. 6):
    mean(w(a, b') ⊙ |x − y'|) + mean(w(b, a') ⊙ |y − x'|), a scalar whose gradient reaches the
    translated images and, through w, the generated masks, without the library's
    ``context_preserving_loss``.

    ``seed``: None checks on the notebook's inputs; an integer draws other inputs of the same kind from
    it (the hidden tests of the instructor build)."""
    name = "context_loss"
    if seed is None:
        torch.manual_seed(3)
        g = None
        a = _boxes(2, 2, 8, [[(0, 0, 3, 4)], [(2, 2, 6, 6), (5, 0, 8, 2)]])
        b = _boxes(2, 2, 8, [[(4, 4, 8, 8)], [(0, 0, 2, 8)]])
    else:
        g = _generator(seed)
        a, b = _random_masks(g, [1, 2], 2, 8), _random_masks(g, [2, 1], 2, 8)
    x, y = (torch.rand(2, 3, 8, 8, generator=g) * 2 - 1 for _ in range(2))
    y_fake, x_fake = ((torch.rand(2, 3, 8, 8, generator=g) * 2 - 1).requires_grad_(True) for _ in range(2))
    b_fake, a_fake = (_soft_masks(2, 2, 8, 8, generator=g).requires_grad_(True) for _ in range(2))
    with _forbidding(name, loss_fn, [(_losses, "context_preserving_loss")]):
        arguments = {
            "x": x,
            "y_fake": y_fake,
            "a": a,
            "b_fake": b_fake,
            "y": y,
            "x_fake": x_fake,
            "b": b,
            "a_fake": a_fake,
        }
        got = _expect_scalar(name, _call(name, loss_fn, **arguments))

    def loss(weight=context_weight, term=lambda d: d.abs(), reduce=torch.mean, masks=None, fakes=None):
        first, second = masks or ((a, b_fake), (b, a_fake))
        yf, xf = fakes or (y_fake, x_fake)
        return reduce(weight(*first) * term(x - yf)) + reduce(weight(*second) * term(y - xf))

    right = loss()
    if _close(got, right, 1e-6):
        _check_gradients(
            name,
            got,
            right,
            {"the translated images y', x'": [y_fake, x_fake], "the generated masks b', a'": [b_fake, a_fake]},
            {
                "no gradient reaches the generated masks through w (the authors let it flow)": lambda: loss(
                    weight=lambda m, g: context_weight(m, g.detach())
                ),
                "no gradient reaches the generated mask b' through w in the A → B term": lambda: loss(
                    masks=((a, b_fake.detach()), (b, a_fake))
                ),
                "no gradient reaches the generated mask a' through w in the B → A term": lambda: loss(
                    masks=((a, b_fake), (b, a_fake.detach()))
                ),
                "no gradient reaches the translated images": lambda: loss(fakes=(y_fake.detach(), x_fake.detach())),
            },
        )
        first, second = context_preserving_loss(x, y_fake, a, b_fake), context_preserving_loss(y, x_fake, b, a_fake)
        _passed(name, f"{_shown(got)} = {_shown(first)} (A → B) + {_shown(second)} (B → A), gradients checked")
        return
    with torch.no_grad():
        first, second = context_preserving_loss(x, y_fake, a, b_fake), context_preserving_loss(y, x_fake, b, a_fake)
        mistakes = {
            "only one direction is there; L_ctx has a term for each translation": lambda: first,
            "only the B → A direction is there; L_ctx has a term for each translation": lambda: second,
            "the difference is not weighted by w, so the instances count too": lambda: loss(weight=lambda m, g: 1.0),
            "the weight is inverted: the loss counts the instances and ignores the background": lambda: loss(
                weight=lambda m, g: 1 - context_weight(m, g)
            ),
            "w pairs each input with the other direction's generated masks": lambda: loss(
                masks=((a, a_fake), (b, b_fake))
            ),
            "w is built from both domains' real masks (a, b) instead of an input and what was generated from it": (
                lambda: loss(masks=((a, b), (b, a)))
            ),
            "the difference is squared; L_ctx is an L1 distance": lambda: loss(term=lambda d: d.pow(2)),
            "that is a sum over the pixels; L_ctx is a mean": lambda: loss(reduce=torch.sum),
            "that is the mean over the background only (divided by Σ w); the authors' mean runs over all pixels": (
                lambda: sum(
                    (context_weight(m, g) * (r - f).abs()).sum() / (3 * context_weight(m, g).sum())
                    for m, g, r, f in ((a, b_fake, x, y_fake), (b, a_fake, y, x_fake))
                )
            ),
        }
        hint = _first_match(got, mistakes, 1e-6)
    if hint:
        raise ExerciseError(f"{name}: {hint}")
    raise ExerciseError(
        f"{name}: got {got.item():.6g}, expected {right.item():.6g}, and not by a slip this check knows"
    )


# --- 04 · sequential mini-batches --------------------------------------------------------------------


def _expect_steps(name: str, steps, count: int, what: str) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``steps`` as a list of ``count`` (y'_m, b'_m) pairs of tensors, or an error that says what it is
    (``what`` names the input: "4 instances, 2 per step")."""
    if isinstance(steps, tuple) and len(steps) == 2 and all(isinstance(t, torch.Tensor) for t in steps):
        raise ExerciseError(f"{name}: that is a single (y', b') pair; the loop returns one pair per step")
    if not isinstance(steps, list | tuple):
        raise ExerciseError(f"{name}: expected a list of (y'_m, b'_m) pairs, got {type(steps).__name__}")
    for m, step in enumerate(steps, 1):
        if not (isinstance(step, list | tuple) and len(step) == 2):
            raise ExerciseError(f"{name}: step {m} is a {type(step).__name__}; each step is a (y'_m, b'_m) pair")
        _expect_tensor(name, step[0], what=f"step {m}'s y'")
        _expect_tensor(name, step[1], what=f"step {m}'s b'")
        if step[0].dim() == 4 and step[0].shape[1] != 3 and step[1].dim() == 4 and step[1].shape[1] == 3:
            raise ExerciseError(f"{name}: step {m}'s pair holds the masks first and the image second")
    if len(steps) != count:
        raise ExerciseError(f"{name}: {what}: expected {count} steps, got {len(steps)}")
    return list(steps)


@_never_crashes
def check_sequential_loop(loop_fn: Callable, seed: int | None = None) -> None:
    """``loop_fn(G, x, masks, ins_per)`` with masks (B, K, H, W) already in decreasing-area order must run
    the sequential loop: for m = 1, 2, …, (y'_m, b'_m) = G(x_m, a_m) with a_m the m-th slice of
    ``ins_per`` masks (the last slice may be shorter) and x_{m+1} = y'_m.detach(); it returns the list of
    (y'_m, b'_m) of every step, each still carrying its gradient into G. Written without the library's
    ``sequential_translate``.

    ``seed``: None checks on the notebook's inputs; an integer draws other inputs of the same kind from
    it (the hidden tests of the instructor build)."""
    name = "sequential_loop"
    G, _ = _tiny_set_networks(0 if seed is None else seed)
    if seed is None:
        torch.manual_seed(4)
        x = torch.rand(1, 3, 16, 16) * 2 - 1
        masks = _boxes(1, 4, 16, [[(0, 0, 8, 8), (8, 8, 15, 14), (0, 9, 6, 15), (10, 0, 14, 4)]])
    else:  # 5 or 6 instances
        g = _generator(seed)
        x = _uniform(g, 1, 3, 16, 16)
        masks = _random_masks(g, [5 + seed % 2], 5 + seed % 2, 16, decreasing=True)
    k, per = masks.shape[1], 2
    slices = [masks[:, start : start + per] for start in range(0, k, per)]
    calls: list[tuple[torch.Tensor, torch.Tensor]] = []

    class Recording(nn.Module):
        def forward(self, images, step_masks):
            calls.append((images, step_masks))
            return G(images, step_masks)

    with _forbidding(name, loop_fn, [(_translate, "sequential_translate")]):
        steps = _call(name, loop_fn, G=Recording(), x=x, masks=masks, ins_per=per)
        if len(calls) == 1 and isinstance(steps, list | tuple) and len(steps) in (1, 2):
            raise ExerciseError(
                f"{name}: G was called once, with {calls[0][1].shape[1]} masks: the loop makes no steps"
            )
        steps = _expect_steps(name, steps, len(slices), f"{k} instances, {per} per step")
        for m, ((_, seen), wanted) in enumerate(zip(calls, slices, strict=False), 1):
            if torch.equal(seen, wanted):
                continue
            if m > 1 and torch.equal(seen, masks[:, : (m - 1) * per + wanted.shape[1]]):
                raise ExerciseError(f"{name}: step {m}'s masks include earlier steps' instances")
            if m > 1 and torch.equal(seen, slices[0]):
                raise ExerciseError(f"{name}: step {m} translates the same masks as step 1")
            raise ExerciseError(f"{name}: step {m}'s masks are not the {_ordinal(m)} slice of {per} instances")
        if not torch.equal(calls[0][0], x):
            raise ExerciseError(f"{name}: the first step does not see the input image x")
        for m in range(2, len(slices) + 1):
            image, previous = calls[m - 1][0], steps[m - 2][0]
            if torch.equal(image, x):
                raise ExerciseError(
                    f"{name}: step {m} sees the original image x, so step {m - 1}'s translation is lost"
                )
            if not torch.allclose(image, previous.detach()):
                raise ExerciseError(f"{name}: step {m}'s image is not step {m - 1}'s translation")
            if image.requires_grad:
                raise ExerciseError(
                    f"{name}: step {m}'s input image still carries step {m - 1}'s graph, so gradient flows back"
                )
        for m, (y_m, b_m) in enumerate(steps, 1):
            for what, value in (("y'", y_m), ("b'", b_m)):
                if not value.requires_grad:
                    raise ExerciseError(f"{name}: step {m}'s {what} carries no gradient, so G could not learn from it")
        with torch.no_grad():
            final, _ = sequential_translate(G, x, masks, TranslateOptions(SequentialConfig.inference(ins_per=per)))
        if not torch.allclose(steps[-1][0].detach(), final, atol=1e-5):
            raise ExerciseError(f"{name}: the last image differs from the library's sequential translation")
        uneven_per = next(p for p in range(3, k) if k % p)  # a last step shorter than the others
        calls.clear()
        uneven = _call(name, loop_fn, G=Recording(), x=x, masks=masks, ins_per=uneven_per)
        expected = -(-k // uneven_per)
        sizes = [seen.shape[1] for _, seen in calls]
        wanted = [min(uneven_per, k - start) for start in range(0, k, uneven_per)]
        if len(sizes) == len(wanted) and sizes != wanted:
            raise ExerciseError(
                f"{name}: {k} instances, {uneven_per} per step: the steps took {sizes} instances, not {wanted}"
            )
        if isinstance(uneven, list | tuple) and len(uneven) == k // uneven_per:
            raise ExerciseError(
                f"{name}: with {uneven_per} per step the last, partial step ({k % uneven_per} instance(s)) is missing"
            )
        if not isinstance(uneven, list | tuple) or len(uneven) != expected:
            raise ExerciseError(f"{name}: {k} instances, {uneven_per} per step: expected {expected} steps")
    _passed(
        name,
        f"{len(slices)} steps, each x_m+1 = y'_m without its graph, same result as sequential_translate, "
        "partial step kept",
    )


@_never_crashes
def check_aggregated_fake(aggregate_fn: Callable, seed: int | None = None) -> None:
    """``aggregate_fn(y_m, earlier, b_m, slots)``: y'_m (B, 3, H, W), ``earlier`` the list of b'_1 … b'_{m−1}
    (each (B, P, H, W)), b'_m (B, P, H, W). Must return what D sees at step m, (B, 3 + slots, H, W):
    [y'_m, b'_1 … b'_{m−1} detached, b'_m, −1 padding].

    ``seed``: None checks on the notebook's inputs; an integer draws other inputs of the same kind from
    it (the hidden tests of the instructor build)."""
    name = "aggregated_fake"
    if seed is None:  # step 3 of 2 instances per step, 8 slots
        torch.manual_seed(5)
        g, n_earlier, slots = None, 2, 8
    else:  # step 3 or 4, 1 or 2 padding slots
        g, n_earlier = _generator(seed), 2 + seed % 2
        slots = 2 * (n_earlier + 1) + 1 + seed % 2
    y_m = (torch.rand(2, 3, 8, 8, generator=g) * 2 - 1).requires_grad_(True)
    earlier = [_soft_masks(2, 2, 8, 8, generator=g).requires_grad_(True) for _ in range(n_earlier)]
    b_m = _soft_masks(2, 2, 8, 8, generator=g).requires_grad_(True)
    got = _expect_tensor(name, _call(name, aggregate_fn, y_m=y_m, earlier=earlier, b_m=b_m, slots=slots))
    if got.shape != (2, 3 + slots, 8, 8):
        raise ExerciseError(
            f"{name}: expected shape {(2, 3 + slots, 8, 8)} (3 image channels and {slots} mask slots), "
            f"got {tuple(got.shape)}"
        )
    prior = [m.detach() for m in earlier]
    n_pad = slots - 2 * (n_earlier + 1)
    pad = -torch.ones(2, n_pad, 8, 8)
    right = torch.cat([y_m, *prior, b_m, pad], 1)
    if not _close(got, right):
        mistakes = {
            "the current step's masks come before the earlier steps'": lambda: torch.cat([y_m, b_m, *prior, pad], 1),
            "the padding slots are 0, which reads as half an instance; an absent slot is all -1": lambda: torch.cat(
                [y_m, *prior, b_m, torch.zeros_like(pad)], 1
            ),
            "the earlier steps' masks are missing": lambda: torch.cat([y_m, pad_masks(b_m, slots)], 1),
            "only the previous step's masks are there; the steps before it are missing": lambda: torch.cat(
                [y_m, pad_masks(torch.cat([prior[-1], b_m], 1), slots)], 1
            ),
            "the earlier steps' masks are in reverse order": lambda: torch.cat([y_m, *prior[::-1], b_m, pad], 1),
            "the current step's masks are missing": lambda: torch.cat([y_m, pad_masks(torch.cat(prior, 1), slots)], 1),
            "the image comes after the masks": lambda: torch.cat([*prior, b_m, pad, y_m], 1),
        }
        with torch.no_grad():
            hint = _first_match(got, mistakes, 1e-6)
        if hint:
            raise ExerciseError(f"{name}: {hint}")
        raise ExerciseError(f"{name}: the channels differ from [y'_m, b'_1 … b'_(m−1), b'_m, padding]")
    _check_gradients(
        name,
        got,
        right,
        {"y'_m": [y_m], "the earlier steps' masks": earlier, "b'_m": [b_m]},
        {
            "gradient reaches the earlier steps' masks, whose steps are over": lambda: torch.cat(
                [y_m, *earlier, b_m, pad], 1
            )
        },
    )
    _passed(name, "layout, -1 padding, earlier masks without gradient, current ones with it")


# --- 05 · the whole objective ------------------------------------------------------------------------


@_never_crashes
def check_generator_objective(objective_fn: Callable, seed: int | None = None) -> None:
    """``objective_fn(model, x, a, y, b, weights)`` must return InstaGAN's generator objective at one
    step (Eq. 7), both directions, a scalar: Σ over A → B and B → A of GAN + λ_cyc·cycle + λ_idt·identity
    + λ_ctx·context, with the terms of :mod:`instagan_lite.losses` (D sees [y', b'] here, one step), whose
    gradient reaches both generators along every path. The check's λ are all different. Written without
    the library's ``generator_terms`` or ``train_step``.

    ``seed``: None checks on the notebook's inputs; an integer draws other inputs of the same kind from
    it (the hidden tests of the instructor build)."""
    name = "generator_objective"
    base = 0 if seed is None else 2 * seed + 10
    G_A, D_A = _tiny_set_networks(base)
    G_B, D_B = _tiny_set_networks(base + 1)
    model = TranslationModel("instagan", G_A, G_B, D_A, D_B)
    if seed is None:
        torch.manual_seed(6)
        x, y = torch.rand(2, 3, 16, 16) * 2 - 1, torch.rand(2, 3, 16, 16) * 2 - 1
        a = _boxes(2, 2, 16, [[(1, 1, 7, 5), (8, 8, 15, 11)], [(3, 3, 12, 9)]])
        b = _boxes(2, 2, 16, [[(2, 6, 14, 10)], [(1, 1, 9, 5), (8, 9, 15, 13)]])
        lam = (10.0, 5.0, 2.0)
    else:
        g = _generator(seed)
        x, y = _uniform(g, 2, 3, 16, 16), _uniform(g, 2, 3, 16, 16)
        a, b = _random_masks(g, [2, 1], 2, 16), _random_masks(g, [1, 2], 2, 16)
        lam = (float(7 + seed % 5), float(3 + seed % 3) / 2, float(1 + seed % 2) / 4)  # all different
    l_cyc, l_idt, l_ctx = lam
    weights = LossWeights(cycle=l_cyc, identity=l_idt, context=l_ctx)
    forbidden = [(_step, "generator_terms"), (_step, "train_step")]
    with _forbidding(name, objective_fn, forbidden):
        got = _expect_scalar(name, _call(name, objective_fn, model=model, x=x, a=a, y=y, b=b, weights=weights))
    fwd_A = generator_terms(G_A, G_B, D_A, x, a, [], 2, weights)
    fwd_B = generator_terms(G_B, G_A, D_B, y, b, [], 2, weights)
    right = weights.total(fwd_A.losses) + weights.total(fwd_B.losses)

    def objective(l_cyc=l_cyc, l_idt=l_idt, l_ctx=l_ctx, directions=2, detach_for_d=(False, False), cut_weight=False,
                  idt_by_self=False, image_only=(False, False)):  # fmt: skip
        total = torch.zeros(())
        passes = ((G_A, G_B, D_A, x, a), (G_B, G_A, D_B, y, b))[:directions]
        for G, G_back, D, image, masks in passes:
            fake, fake_masks = G(image, masks)
            rec, rec_masks = G_back(fake, fake_masks)
            idt, idt_masks = (G if idt_by_self else G_back)(image, masks)
            judged = [t.detach() if cut else t for t, cut in zip((fake, fake_masks), detach_for_d, strict=True)]
            cyc = cycle_loss(rec, image) if image_only[0] else cycle_loss(
                torch.cat([rec, rec_masks], 1), torch.cat([image, masks], 1))  # fmt: skip
            idt_term = identity_loss(idt, image) if image_only[1] else identity_loss(
                torch.cat([idt, idt_masks], 1), torch.cat([image, masks], 1))  # fmt: skip
            ctx = context_preserving_loss(image, fake, masks, fake_masks, detach_weight=cut_weight)
            total = total + generator_gan_loss(D(*judged)) + l_cyc * cyc + l_idt * idt_term + l_ctx * ctx
        return total

    if _close(got, right, 1e-4):
        _check_gradients(
            name,
            got,
            right,
            {"G_A": _parameters(G_A), "G_B": _parameters(G_B)},
            {
                "the adversarial term sends no gradient into the generated masks b'": lambda: objective(
                    detach_for_d=(False, True)
                ),
                "the adversarial term sends no gradient into the translated image y'": lambda: objective(
                    detach_for_d=(True, False)
                ),
                "the adversarial term sends no gradient into the generators": lambda: objective(
                    detach_for_d=(True, True)
                ),
                "the context term's weight w(a, b') passes no gradient into b'": lambda: objective(cut_weight=True),
            },
        )
        _passed(name, f"{_shown(got)}, the library's step total, gradients into both generators")
        return
    with torch.no_grad():
        mistakes = {
            "the context-preserving terms are missing": lambda: objective(l_ctx=0.0),
            "the identity terms are missing": lambda: objective(l_idt=0.0),
            "the cycle terms are missing": lambda: objective(l_cyc=0.0),
            "only the A → B direction is there": lambda: objective(directions=1),
            "λ_cyc and λ_idt are swapped": lambda: objective(l_cyc=l_idt, l_idt=l_cyc),
            "λ_idt and λ_ctx are swapped": lambda: objective(l_idt=l_ctx, l_ctx=l_idt),
            "λ_cyc and λ_ctx are swapped": lambda: objective(l_cyc=l_ctx, l_ctx=l_cyc),
            "the terms are not weighted: every λ is 1": lambda: objective(1.0, 1.0, 1.0),
            "the cycle term is weighted by λ_idt": lambda: objective(l_cyc=l_idt),
            "the cycle term is weighted by λ_ctx": lambda: objective(l_cyc=l_ctx),
            "the identity term is weighted by λ_cyc": lambda: objective(l_idt=l_cyc),
            "the identity term is weighted by λ_ctx": lambda: objective(l_idt=l_ctx),
            "the context term is weighted by λ_cyc": lambda: objective(l_ctx=l_cyc),
            "the context term is weighted by λ_idt": lambda: objective(l_ctx=l_idt),
            "the identity term applies the translating generator (G(x, a) ≈ (x, a))": lambda: objective(
                idt_by_self=True
            ),
            "the cycle term compares the images only, not the masks": lambda: objective(image_only=(True, False)),
            "the identity term compares the images only, not the masks": lambda: objective(image_only=(False, True)),
        }
        hint = _first_match(got, mistakes, 1e-4)
    if hint:
        raise ExerciseError(f"{name}: {hint}")
    raise ExerciseError(
        f"{name}: got {got.item():.6g}, expected {right.item():.6g}, and not by a slip this check knows"
    )


EXERCISES = {
    "resnet_block": ("01_cyclegan", check_resnet_block),
    "cyclegan_generator_loss": ("01_cyclegan", check_cyclegan_generator_loss),
    "set_sum": ("02_instance_aware_networks", check_set_sum),
    "set_discriminator": ("02_instance_aware_networks", check_set_discriminator),
    "context_weight": ("03_context_preserving_loss", check_context_weight),
    "context_loss": ("03_context_preserving_loss", check_context_loss),
    "sequential_loop": ("04_sequential_minibatch", check_sequential_loop),
    "aggregated_fake": ("04_sequential_minibatch", check_aggregated_fake),
    "generator_objective": ("05_training_and_results", check_generator_objective),
}
"""Every exercise: its notebook and its check."""
