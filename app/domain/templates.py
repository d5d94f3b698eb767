"""Message templates: compiling, checking and rendering Jinja2 in a locked-down sandbox.

Owns the two template environments (plain text for subjects, SMS, push and task text; autoescaped
HTML for bodies), the static checks the validator reports (syntax, forbidden access, unknown
variables) and the one way a template is rendered for a contact.

Invariants:
- Templates run in an immutable sandbox with no loader: no private or dunder attributes, no
  changes to the data handed in, no include/import/extends.
- A missing value renders empty unless the template gives a default (no `StrictUndefined`).
- Every render is bounded: its output (MAX_OUTPUT_CHARS), its loop iterations and calls
  (MAX_RENDER_STEPS, counted per render in a ContextVar, so concurrent renders never share a
  budget), `range` (MAX_RANGE_ITEMS), numbers handed to functions, filters and format widths
  (MAX_CALL_NUMBER), numbers built with `*` and `**` (MAX_NUMBER_BITS), and text or lists built
  with `+`, `~`, functions and filters (MAX_OUTPUT_CHARS). `*` never repeats text or lists.
- Every failure leaves this module as a TemplateProblem whose message a marketer can act on.

Known gap: one filter or method call may briefly build a value larger than the limits (say,
replacing every letter of a long text with another long text) before its result is refused.
"""

import functools
import re
import string
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal

from jinja2 import Template, TemplateSyntaxError, Undefined, UndefinedError, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

MAX_OUTPUT_CHARS = 1_000_000
MAX_RENDER_STEPS = 100_000
MAX_RANGE_ITEMS = 10_000
MAX_CALL_NUMBER = 100_000
MAX_NUMBER_BITS = 256
_CHARS_PER_STEP = 1_000  # a call handed long text costs one extra step per this many characters

_SCOPES = frozenset({"attributes", "journey"})  # their fields are reported as dotted names
_DEFAULT_FILTERS = frozenset({"default", "d"})
_DEFINED_TESTS = frozenset({"defined", "undefined"})
_UNSAFE_ATTRIBUTES = frozenset(
    {"mro", "gi_frame", "gi_code", "cr_frame", "cr_code", "ag_frame", "ag_code"}
    | {"f_globals", "f_locals", "f_builtins", "f_back", "tb_frame", "func_globals", "func_code"}
)
_ATTRIBUTE_FILTERS = frozenset({"attr", "selectattr", "rejectattr", "groupby"})  # 1st arg
_COUNT_FILTER = "_count_iterations"
_LIMIT_FILTER = "_limit_text"
_REPEATABLE = (str, bytes, list, tuple)  # what `*` would repeat rather than multiply
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


class TemplateProblem(Exception):
    """A template that cannot be compiled or rendered; `message` is meant for a marketer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TemplateSyntaxProblem(TemplateProblem):
    """The template text is not valid Jinja; `line` is where reading stopped, if known."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


class TemplateRenderProblem(TemplateProblem):
    """The template failed while rendering for a contact."""


class TemplateLimitProblem(TemplateRenderProblem):
    """The template went past one of the render limits."""


@dataclass(frozen=True)
class TemplateFinding:
    severity: Literal["error", "warning"]
    code: str
    message: str
    line: int | None = None


# --- render limits ------------------------------------------------------------------------------


class _RenderBudget:
    def __init__(self) -> None:
        self.steps_left = MAX_RENDER_STEPS

    def spend(self, steps: int) -> None:
        self.steps_left -= steps
        if self.steps_left < 0:
            raise TemplateLimitProblem(
                f"The template does too much work (more than {MAX_RENDER_STEPS:,} loop steps "
                "and calls); simplify its loops."
            )


_BUDGET: ContextVar[_RenderBudget | None] = ContextVar("template_render_budget", default=None)


def _spend(steps: int) -> None:
    budget = _BUDGET.get()
    if budget is None:
        # Only Jinja's compile-time constant folding calls in here outside render(); refusing
        # leaves the expression to render time, where the limits apply.
        raise RuntimeError("template code runs only inside render()")
    budget.spend(steps)


def _size(value: object) -> int:
    """Characters or items in a value, counting the text inside a collection one level deep."""
    if isinstance(value, str | bytes):
        return len(value)
    if not isinstance(value, list | tuple | set | frozenset | dict):
        return 0
    total = len(value)
    for item in value.values() if isinstance(value, dict) else value:
        if total > MAX_OUTPUT_CHARS:
            break
        if isinstance(item, str | bytes):
            total += len(item)
    return total


def _too_long() -> TemplateLimitProblem:
    return TemplateLimitProblem(
        f"The template builds a text or list longer than {MAX_OUTPUT_CHARS:,} characters."
    )


def _check_size(value: object) -> None:
    if _size(value) > MAX_OUTPUT_CHARS:
        raise _too_long()


def _too_big(digits: str) -> bool:
    digits = digits.lstrip("0")
    return len(digits) > len(str(MAX_CALL_NUMBER)) or int(digits or "0") > MAX_CALL_NUMBER


def _number_problem(where: str) -> TemplateLimitProblem:
    return TemplateLimitProblem(
        f"The template gives {where} a number larger than {MAX_CALL_NUMBER:,}, "
        "which templates may not do."
    )


def _check_call(where: str, values: Iterable[object], numbers: Iterable[object]) -> None:
    """Refuses too-long values and too-large numbers, then charges the call to the budget."""
    steps = 1
    for value in values:
        size = _size(value)
        if size > MAX_OUTPUT_CHARS:
            raise _too_long()
        steps += size // _CHARS_PER_STEP
    for number in numbers:
        if isinstance(number, int) and abs(number) > MAX_CALL_NUMBER:
            raise _number_problem(where)
    _spend(steps)


def _check_format_string(text: str) -> None:
    """Refuses `str.format` fields whose width or precision is large or computed."""
    for _literal, field, spec, _conversion in string.Formatter().parse(text):
        if field is None or not spec:
            continue
        if "{" in spec:
            raise TemplateLimitProblem("Format widths in templates must be written as numbers.")
        if any(_too_big(digits) for digits in re.findall(r"\d+", spec)):
            raise _number_problem("a format width")


def _check_percent_format(text: str) -> None:
    """Refuses `%` formats whose width or precision is large or given as `*`."""
    for match in _PERCENT_SPEC.finditer(text):
        for number in match.groups():
            if number == "*":
                raise TemplateLimitProblem("Format widths in templates must be written as numbers.")
            if number and _too_big(number):
                raise _number_problem("a format width")


def _check_binop(operator: str, left: object, right: object) -> None:
    if operator == "*":
        if isinstance(left, _REPEATABLE) or isinstance(right, _REPEATABLE):
            raise TemplateLimitProblem("Templates can't repeat text or lists with '*'.")
        if isinstance(left, int) and isinstance(right, int):
            bits = left.bit_length() + right.bit_length()
            if bits > MAX_NUMBER_BITS:
                raise TemplateLimitProblem("A number in the template would be too large.")
    elif operator == "**" and isinstance(left, int) and isinstance(right, int):
        if max(1, left.bit_length()) * max(right, 0) > MAX_NUMBER_BITS:
            raise TemplateLimitProblem("A number in the template would be too large.")
    elif operator == "+":
        if _size(left) + _size(right) > MAX_OUTPUT_CHARS:
            raise _too_long()
    elif operator == "%" and isinstance(left, str):
        _check_percent_format(left)


def _capped_range(*args: int) -> range:
    """The templates' `range`; looping over it spends budget like any other loop."""
    items = range(*args)
    if len(items) > MAX_RANGE_ITEMS:
        raise TemplateLimitProblem(
            f"range() in a template may give at most {MAX_RANGE_ITEMS:,} numbers."
        )
    return items


def _count_iterations(iterable: Iterable[object]) -> Iterator[object]:
    """Wraps every `{% for %}` (see _AddRenderLimits): each iteration is one budget step."""
    for item in iterable:
        _spend(1)
        yield item


def _limit_text(value: object) -> object:
    """Wraps every `~` (see _AddRenderLimits)."""
    _check_size(value)
    return value


def _refuse_callables(value: object) -> object:
    """Output finalizer: a function or class shows nothing of itself, only a hint."""
    if callable(value) and not isinstance(value, Undefined):
        raise TemplateRenderProblem(
            "The template shows a function instead of its result; add '()' to call it."
        )
    return value


def _guard_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    skip = 0 if getattr(func, "jinja_pass_arg", None) is None else 1  # context/environment
    where = f"the filter '{name}'"

    @functools.wraps(func)  # keeps `jinja_pass_arg`
    def guarded(*args: Any, **kwargs: Any) -> Any:
        value, options = args[skip], [*args[skip + 1 :], *kwargs.values()]
        if name == "format":  # its numbers are values to show; its widths are checked instead
            if isinstance(value, str):
                _check_percent_format(value)
            _check_call(where, [value, *options], [])
        else:
            _check_call(where, [value, *options], options)
        result = func(*args, **kwargs)
        _check_size(result)
        return result

    return guarded


class _CheckedFormat:
    """`str.format` / `format_map` of a text whose format widths were checked."""

    def __init__(self, format_: Callable[..., str]) -> None:
        self._format = format_

    def __call__(self, *args: object, **kwargs: object) -> str:
        return self._format(*args, **kwargs)


class _TemplateEnvironment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, *, html: bool) -> None:
        super().__init__(autoescape=html, finalize=_refuse_callables)
        del self.globals["lipsum"]  # builds text of any size
        self.globals["range"] = _capped_range
        self.filters = {name: _guard_filter(name, f) for name, f in self.filters.items()}
        self.filters[_COUNT_FILTER] = _count_iterations
        self.filters[_LIMIT_FILTER] = _limit_text

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        values = [getattr(obj, "__self__", None), *args, *kwargs.values()]
        numbers = [] if isinstance(obj, _CheckedFormat) else [*args, *kwargs.values()]
        _check_call("a function", values, numbers)
        result = super().call(context, obj, *args, **kwargs)
        _check_size(result)
        return result

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        raise SecurityError(attribute)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        format_ = super().wrap_str_format(value)
        if format_ is None:
            return None
        _check_format_string(value.__self__)
        return _CheckedFormat(format_)


_TEXT = _TemplateEnvironment(html=False)
_HTML = _TemplateEnvironment(html=True)


class _AddRenderLimits(NodeTransformer):
    """Routes every loop through the step budget and every `~` through the size limit."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, _COUNT_FILTER, [], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return nodes.Filter(node, _LIMIT_FILTER, [], [], None, None, lineno=node.lineno)


def _syntax_problem(exc: TemplateSyntaxError) -> TemplateSyntaxProblem:
    detail = (exc.message or "syntax error").rstrip(".")
    return TemplateSyntaxProblem(
        f"The template can't be read at line {exc.lineno}: {detail}.", exc.lineno
    )


_TOO_DEEP = "The template is nested too deeply to read."


def compile_template(source: str, *, html: bool = False) -> Template:
    """The compiled template, with the render limits built in; cached by (source, html), and
    so is a template that cannot be read (a fresh :class:`TemplateSyntaxProblem` each time)."""
    compiled = _compile(source, html)
    if isinstance(compiled, tuple):
        raise TemplateSyntaxProblem(*compiled)
    return compiled


@functools.lru_cache(maxsize=512)
def _compile(source: str, html: bool) -> Template | tuple[str, int | None]:
    """The template, or why it cannot be read: kept as well, so a broken template in a send
    node is read once, not once for every message that fails with it."""
    environment = _HTML if html else _TEXT
    try:
        tree = environment.parse(source)
        _AddRenderLimits().visit(tree)
        tree.set_environment(environment)
        return environment.from_string(tree)
    except TemplateSyntaxError as exc:
        problem = _syntax_problem(exc)
        return str(problem), problem.line
    except RecursionError:
        return _TOO_DEEP, None


# --- static checks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _VariableUse:
    name: str
    line: int
    has_default: bool


@dataclass(frozen=True)
class _Analysis:
    uses: tuple[_VariableUse, ...]
    tested: frozenset[str]  # names tested with `is defined` / `is undefined`
    forbidden: tuple[tuple[str, int], ...]  # (message, line)


def _forbidden_message(path: str) -> str:
    return f"The template tries to reach '{path}', which templates may not use."


_OTHER_FILES = "A message template can't include, import or extend other templates."


def _is_forbidden(path: str) -> bool:
    return any(part.startswith("_") or part in _UNSAFE_ATTRIBUTES for part in path.split("."))


def _const_str(node: nodes.Node | None) -> str | None:
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        return node.value
    return None


def _attribute_paths(node: nodes.Filter) -> Iterator[str]:
    if node.name in _ATTRIBUTE_FILTERS and node.args:
        yield _const_str(node.args[0]) or ""
    for pair in node.kwargs:
        if pair.key == "attribute":
            yield _const_str(pair.value) or ""


def _forbidden_access(tree: nodes.Template) -> Iterator[tuple[str, int]]:
    """(message, line) for each private attribute the template names and each other file it uses."""
    for other in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
        yield _OTHER_FILES, other.lineno
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        if isinstance(node, nodes.Getattr):
            paths: Iterable[str] = [node.attr]
        elif isinstance(node, nodes.Getitem):
            paths = [_const_str(node.arg) or ""]
        else:
            paths = _attribute_paths(node) if isinstance(node, nodes.Filter) else []
        yield from (
            (_forbidden_message(path), node.lineno) for path in paths if _is_forbidden(path)
        )


class _VariableFinder:
    """Collects the template's free variables, noting which uses are protected by a default."""

    def __init__(self, free: Collection[str]) -> None:
        self.free = free
        self.uses: list[_VariableUse] = []
        self.tested: set[str] = set()

    def name_of(self, node: nodes.Node) -> str | None:
        if isinstance(node, nodes.Name):
            return node.name if node.ctx == "load" and node.name in self.free else None
        if not isinstance(node, nodes.Getattr | nodes.Getitem):
            return None
        scope = node.node
        if not (
            isinstance(scope, nodes.Name) and scope.name in _SCOPES and scope.name in self.free
        ):
            return None
        key = node.attr if isinstance(node, nodes.Getattr) else _const_str(node.arg)
        return None if key is None else f"{scope.name}.{key}"

    def walk(self, node: nodes.Node, has_default: bool = False) -> None:
        if isinstance(node, nodes.Filter) and node.name in _DEFAULT_FILTERS and node.node:
            self.walk(node.node, has_default=True)
            for child in node.iter_child_nodes(exclude=("node",)):
                self.walk(child)
            return
        if isinstance(node, nodes.Test) and node.name in _DEFINED_TESTS:
            self.tested.add(self.name_of(node.node) or "")
        name = self.name_of(node)
        if name is not None:
            self.uses.append(_VariableUse(name, node.lineno, has_default))
        elif isinstance(node, nodes.Getattr | nodes.Getitem):  # a default covers the whole chain
            self.walk(node.node, has_default)
            if isinstance(node, nodes.Getitem):
                self.walk(node.arg)
        else:
            for child in node.iter_child_nodes():
                self.walk(child)


@functools.lru_cache(maxsize=512)
def _analyse(source: str) -> _Analysis:
    try:
        tree = _TEXT.parse(source)
        free = meta.find_undeclared_variables(tree) - _TEXT.globals.keys()
    except TemplateSyntaxError as exc:
        raise _syntax_problem(exc) from None
    except RecursionError:
        raise TemplateSyntaxProblem(_TOO_DEEP, None) from None
    finder = _VariableFinder(free)
    finder.walk(tree)
    return _Analysis(tuple(finder.uses), frozenset(finder.tested), tuple(_forbidden_access(tree)))


def template_variables(source: str) -> set[str]:
    """The variables a template reads: fields of `attributes` and `journey` as dotted names."""
    return {use.name for use in _analyse(source).uses}


def _is_known(name: str, known: Collection[str]) -> bool:
    scope, dot, _key = name.partition(".")
    if name in known or (dot and f"{scope}.*" in known):
        return True
    return not dot and any(k.startswith(f"{name}.") for k in known)


def check_template(
    source: str, known_variables: Collection[str] | None = None, *, html: bool = False
) -> list[TemplateFinding]:
    """Static findings: `template.syntax`, `template.forbidden` and `template.unknown_variable`.

    `known_variables` may hold `attributes.*` to accept every custom field; None skips the
    unknown-variable check.
    """
    try:
        compile_template(source, html=html)
        analysis = _analyse(source)
    except TemplateSyntaxProblem as problem:
        return [TemplateFinding("error", "template.syntax", problem.message, problem.line)]
    findings = [
        TemplateFinding("error", "template.forbidden", message, line)
        for message, line in analysis.forbidden
    ]
    if known_variables is None:
        return findings
    reported: set[str] = set()
    for use in analysis.uses:
        name = use.name
        if use.has_default or name in analysis.tested or name in reported:
            continue
        if not _is_known(name, known_variables):
            reported.add(name)
            message = (
                f"'{name}' is not a known field, so it will be empty. Check the spelling or "
                f"give a default: {{{{ {name} | default('…') }}}}"
            )
            findings.append(
                TemplateFinding("warning", "template.unknown_variable", message, use.line)
            )
    return findings


# --- rendering ----------------------------------------------------------------------------------


def _render_problem(exc: Exception) -> TemplateRenderProblem:
    if isinstance(exc, SecurityError):
        return TemplateRenderProblem(_forbidden_message(str(exc)))
    if isinstance(exc, UndefinedError):
        return TemplateRenderProblem(f"The template uses a value that is missing: {exc.message}.")
    if isinstance(exc, ZeroDivisionError):
        return TemplateRenderProblem("The template divides by zero.")
    if isinstance(exc, RecursionError):
        return TemplateLimitProblem("The template calls itself too deeply.")
    if isinstance(exc, MemoryError):
        return TemplateLimitProblem("The template needs more memory than a message may use.")
    if isinstance(exc, OverflowError):
        return TemplateLimitProblem("A number in the template is too large.")
    return TemplateRenderProblem(f"The template could not be rendered: {exc}")


def _variables(contact: Mapping[str, object], context: Mapping[str, object]) -> dict[str, Any]:
    """Contact fields and `attributes`, then the context's keys.

    The context wins a clash, so no contact data can replace the engine's own links
    (`unsubscribe_url`, `view_url`) or the journey.
    """
    attributes = contact.get("attributes")
    return {
        **contact,
        "attributes": dict(attributes) if isinstance(attributes, Mapping) else {},
        **context,
    }


def render(
    source: str,
    contact: Mapping[str, object],
    context: Mapping[str, object],
    *,
    html: bool = False,
) -> str:
    """Renders `source` for one contact within the limits.

    Raises TemplateSyntaxProblem if the template can't be read, TemplateRenderProblem (or its
    TemplateLimitProblem) for anything that goes wrong while rendering.
    """
    template = compile_template(source, html=html)
    forbidden = _analyse(source).forbidden
    if forbidden:
        raise TemplateRenderProblem(forbidden[0][0])
    token = _BUDGET.set(_RenderBudget())
    try:
        parts: list[str] = []
        length = 0
        for chunk in template.generate(_variables(contact, context)):
            length += len(chunk)
            if length > MAX_OUTPUT_CHARS:
                raise TemplateLimitProblem(
                    f"The message would be longer than {MAX_OUTPUT_CHARS:,} characters."
                )
            parts.append(chunk)
        return "".join(parts)
    except TemplateProblem:
        raise
    except Exception as exc:
        raise _render_problem(exc) from exc
    finally:
        _BUDGET.reset(token)
