"""Message templates: personalisation, escaping, static checks and the render limits."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from app.domain import templates
from app.domain.templates import (
    MAX_OUTPUT_CHARS,
    TemplateFinding,
    TemplateLimitProblem,
    TemplateRenderProblem,
    TemplateSyntaxProblem,
    check_template,
    compile_template,
    render,
    template_variables,
)

CONTACT: dict[str, object] = {
    "first_name": "Ann",
    "email": "ann@example.com",
    "attributes": {"plan": "gold", "renewal_date": "1 May"},
}
CONTEXT: dict[str, object] = {
    "journey": {"name": "Welcome"},
    "unsubscribe_url": "https://example.com/u/1",
    "view_url": "https://example.com/v/1",
}
KNOWN = ["first_name", "email", "attributes.*", "journey.name", "unsubscribe_url", "view_url"]


def codes(findings: list[TemplateFinding]) -> list[tuple[str, str, int | None]]:
    return [(f.severity, f.code, f.line) for f in findings]


# --- personalisation ----------------------------------------------------------------------------


def test_default_is_used_when_the_value_is_missing_or_empty() -> None:
    source = "Hi {{ first_name | default('there', true) }}!"
    assert render(source, CONTACT, CONTEXT) == "Hi Ann!"
    assert render(source, {"first_name": ""}, CONTEXT) == "Hi there!"
    assert render(source, {}, CONTEXT) == "Hi there!"


def test_a_missing_value_renders_empty() -> None:
    assert render("Hi {{ first_name }}!", {}, {}) == "Hi !"
    assert render("[{{ attributes.nickname }}]", CONTACT, CONTEXT) == "[]"


def test_attributes_journey_and_links_are_available() -> None:
    source = "{{ attributes.renewal_date }} | {{ journey.name }} | {{ unsubscribe_url }}"
    assert render(source, CONTACT, CONTEXT) == "1 May | Welcome | https://example.com/u/1"


def test_contact_data_cannot_replace_the_engines_links() -> None:
    contact = {**CONTACT, "unsubscribe_url": "https://evil.example/"}
    assert render("{{ unsubscribe_url }}", contact, CONTEXT) == "https://example.com/u/1"


def test_contact_values_are_escaped_in_html_but_not_in_text() -> None:
    contact = {"first_name": "<script>alert(1)</script>"}
    html = render("<p>{{ first_name }}</p>", contact, {}, html=True)
    text = render("{{ first_name }}", contact, {})
    assert html == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    assert text == "<script>alert(1)</script>"


# --- escapes from the sandbox -------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ self._TemplateReference__context }}",
        "{{ lipsum.__globals__ }}",
        "{{ first_name|attr('__class__') }}",
        "{% set name = '__cla' ~ 'ss__' %}{{ first_name[name] }}",  # only visible while rendering
    ],
)
def test_reaching_python_internals_is_refused(source: str) -> None:
    with pytest.raises(TemplateRenderProblem, match="may not use"):
        render(source, CONTACT, CONTEXT)


def test_config_is_just_a_missing_value() -> None:
    assert render("[{{ config }}]", CONTACT, CONTEXT) == "[]"


def test_showing_a_function_does_not_print_its_internals() -> None:
    with pytest.raises(TemplateRenderProblem, match=r"add '\(\)'"):
        render("{{ cycler }}", CONTACT, CONTEXT)


def test_other_templates_cannot_be_included() -> None:
    with pytest.raises(TemplateRenderProblem, match="include"):
        render("{% include 'secrets.txt' %}", CONTACT, CONTEXT)


# --- limits -------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["{{ 'a' * 10**8 }}", "{{ [1] * 3 }}", "{{ 3 * 'ab' }}"])
def test_text_and_lists_cannot_be_repeated_with_star(source: str) -> None:
    with pytest.raises(TemplateLimitProblem, match="repeat"):
        render(source, {}, {})


def test_ordinary_arithmetic_works_but_huge_numbers_are_refused() -> None:
    assert render("{{ 10**8 }} {{ 7 * 6 }}", {}, {}) == "100000000 42"
    for source in ["{{ 2**1000 }}", "{{ 10**70 * 10**70 }}"]:
        with pytest.raises(TemplateLimitProblem, match="too large"):
            render(source, {}, {})


def test_nested_loops_that_emit_text_stop_at_the_output_limit() -> None:
    line = "x" * 200
    source = "{% for i in range(10000) %}{% for j in range(10000) %}" + line + "{% endfor %}" * 2
    with pytest.raises(TemplateLimitProblem, match=f"longer than {MAX_OUTPUT_CHARS:,}"):
        render(source, {}, {})


def test_range_is_capped() -> None:
    source = "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}"
    with pytest.raises(TemplateLimitProblem, match="range"):
        render(source, {}, {})


def test_nested_loops_that_emit_nothing_stop_at_the_step_budget() -> None:
    loop = "{% for i in range(1000) %}"
    source = f"{loop * 3}{'{% endfor %}' * 3}"
    with pytest.raises(TemplateLimitProblem, match="too much work"):
        render(source, {}, {})


def test_loops_over_contact_data_count_against_the_budget() -> None:
    source = (
        "{% for a in attributes.notes %}{% for b in attributes.notes %}{% endfor %}{% endfor %}"
    )
    with pytest.raises(TemplateLimitProblem, match="too much work"):
        render(source, {"attributes": {"notes": "n" * 1000}}, {})


def test_each_render_has_its_own_budget_across_threads() -> None:
    # 60,000 steps each: four renders would overrun one shared budget of 100,000.
    source = "{% for i in range(10000) %}{% for j in range(5) %}{% endfor %}{% endfor %}done"
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: render(source, {}, {}), range(4)))
    assert results == ["done"] * 4


def test_doubling_text_stops_at_the_size_limit() -> None:
    source = "{% set t = 'xxxxxxxxxx' %}" + "{% set t = t ~ t %}" * 30 + "{{ t|length }}"
    with pytest.raises(TemplateLimitProblem, match="longer than"):
        render(source, {}, {})


def test_a_macro_that_calls_itself_forever_fails_cleanly() -> None:
    with pytest.raises(TemplateRenderProblem):
        render("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", {}, {})


@pytest.mark.parametrize(
    "source",
    [
        "{{ 'a'|center(10**9) }}",
        "{{ 'x'|indent(10**9) }}",
        "{{ 'a'.ljust(10**9) }}",
        "{{ '{:>1000000000}'.format('a') }}",
        "{{ '{:>{w}}'.format('a', w=10**9) }}",
        "{{ '%1000000000s'|format('a') }}",
        "{{ '%*s' % (10**9, 'a') }}",
    ],
)
def test_huge_widths_are_refused(source: str) -> None:
    with pytest.raises(TemplateLimitProblem, match=r"number|width"):
        render(source, {}, {})


def test_ordinary_formatting_still_works() -> None:
    source = "{{ '{:,}'.format(1500000) }} {{ '%.2f'|format(3.14159) }} [{{ 'ab'|center(6) }}]"
    assert render(source, {}, {}) == "1,500,000 3.14 [  ab  ]"


@pytest.mark.parametrize(
    ("source", "message"),
    [("{{ 1 / 0 }}", "divides by zero"), ("{{ price * 2 }}", "'price' is undefined")],
)
def test_render_errors_become_template_problems(source: str, message: str) -> None:
    with pytest.raises(TemplateRenderProblem, match=message):
        render(source, {}, {})


# --- compiling and static checks ----------------------------------------------------------------


def test_a_syntax_error_reports_its_line() -> None:
    with pytest.raises(TemplateSyntaxProblem, match="line 2") as caught:
        compile_template("Hi\n{{ first_name }\n")
    assert caught.value.line == 2


def test_compiled_templates_are_cached_per_mode() -> None:
    source = "Hi {{ first_name }}"
    assert compile_template(source) is compile_template(source)
    assert compile_template(source, html=True) is not compile_template(source)


def test_a_template_that_cannot_be_read_is_read_once() -> None:
    """Dispatch compiles a node's template for every message; a broken one failed each of them
    by parsing it again."""
    source = "Hello {{ first_name }\n{{ 'broken-once' }}"
    before = templates._compile.cache_info()
    problems = []
    for _ in range(3):
        with pytest.raises(TemplateSyntaxProblem) as caught:
            compile_template(source)
        problems.append((str(caught.value), caught.value.line))
    after = templates._compile.cache_info()
    assert problems == [problems[0]] * 3 and problems[0][1] == 1
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 2)


def test_variables_are_discovered_with_dotted_attribute_and_journey_fields() -> None:
    source = (
        "{{ first_name }} {{ attributes.renewal_date }} {{ attributes['plan'] }} "
        "{{ journey.name }} {{ unsubscribe_url }}"
    )
    assert template_variables(source) == {
        "first_name",
        "attributes.renewal_date",
        "attributes.plan",
        "journey.name",
        "unsubscribe_url",
    }


def test_loop_variables_set_names_macro_arguments_and_globals_are_not_variables() -> None:
    source = (
        "{% for item in attributes.orders %}{{ item.sku }} {{ loop.index }}{% endfor %}"
        "{% set total = 3 %}{{ total }}{% macro line(text) %}{{ text }}{% endmacro %}"
        "{{ line(email) }}{{ range(3)|join }}"
    )
    assert template_variables(source) == {"attributes.orders", "email"}


def test_a_clean_template_has_no_findings() -> None:
    source = "Hi {{ first_name }}, your {{ attributes.plan }} renews. {{ unsubscribe_url }}"
    assert check_template(source, KNOWN) == []


def test_check_reports_a_syntax_error_with_its_line() -> None:
    findings = check_template("Hello\n{% if first_name %}\n{{ first_name }}", KNOWN)
    assert codes(findings) == [("error", "template.syntax", 3)]


def test_check_reports_forbidden_access_with_lines() -> None:
    findings = check_template("{{ ''.__class__ }}\n{{ email._foo }}\n{{ email.mro }}", KNOWN)
    assert codes(findings) == [
        ("error", "template.forbidden", 1),
        ("error", "template.forbidden", 2),
        ("error", "template.forbidden", 3),
    ]


def test_check_warns_about_unknown_variables_without_a_default() -> None:
    source = "{{ frist_name }}\n{{ nickname | d('') }}\n{% if pet is defined %}{{ pet }}{% endif %}"
    findings = check_template(source, KNOWN)
    assert codes(findings) == [("warning", "template.unknown_variable", 1)]
    assert "frist_name" in findings[0].message


def test_a_default_protects_only_the_use_it_wraps() -> None:
    findings = check_template("{{ nickname | default('friend') }}\n{{ nickname }}", KNOWN)
    assert codes(findings) == [("warning", "template.unknown_variable", 2)]


def test_attribute_wildcard_and_exact_names_decide_what_is_known() -> None:
    source = "{{ attributes.anything }} {{ journey.name }} {{ journey.owner }}"
    assert [f.message.split("'")[1] for f in check_template(source, KNOWN)] == ["journey.owner"]
    assert check_template(source, None) == []
