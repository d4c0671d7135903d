"""Arguments are substituted by lexical context: a value can never change a query's structure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.args import ArgValue
from analysis.lexing import find_placeholders
from analysis.templating import compile_query, render_condition, render_field
from rollout_engine.errors import SpecError

INJECTIONS = [
    '"} or vector(1) #',
    '"} or vector(1) #\n',
    "'} or vector(1) #",
    '{{ env "HOME" }}',
    "a\nb",
    'quote " and \\ backslash',
    'x") or on() vector(1) or ("',
    "`",
]


def _query(template: str, **values: str) -> str:
    args = {k.replace("_", "-"): ArgValue(v) for k, v in values.items()}
    return compile_query(template, args=args, path="q").render(elapsed=timedelta(minutes=5)).text


def _unquote_go(body: str) -> str:
    """Go's strconv.Unquote for the escapes our renderer emits (what PromQL does)."""
    out, i = [], 0
    table = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"', "'": "'"}
    while i < len(body):
        if body[i] == "\\":
            out.append(table[body[i + 1]])
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def _string_at(text: str, start: int, quote: str) -> tuple[str, int]:
    """The literal opened at `start`; returns its body and the index after the closing quote."""
    i = start + 1
    while text[i] != quote:
        i += 2 if text[i] == "\\" else 1
    return text[start + 1 : i], i + 1


@pytest.mark.parametrize("value", INJECTIONS)
@pytest.mark.parametrize("quote", ['"', "'"])
def test_injections_inside_a_label_matcher_stay_one_string(value: str, quote: str) -> None:
    template = f"sum(x{{pod=~{quote}{{{{args.v}}}}{quote}}}) > 0"
    text = _query(template, v=value)
    body, after = _string_at(text, text.index(quote), quote)
    assert _unquote_go(body) == value
    assert text[after:] == "}) > 0"


@given(
    value=st.text(
        alphabet=st.characters(blacklist_categories=["Cs", "Cc"]) | st.sampled_from("\n\r\t")
    )
)
def test_any_printable_value_round_trips_through_a_string_literal(value: str) -> None:
    text = _query('x{a="{{args.v}}"} + 1', v=value)
    body, after = _string_at(text, text.index('"'), '"')
    assert _unquote_go(body) == value
    assert text[after:] == "} + 1"


@pytest.mark.parametrize(
    "value", [*INJECTIONS, "or", "BY", "offset", "1e-5", "-1", "5m]", "a b", ""]
)
def test_outside_strings_anything_but_one_harmless_token_is_refused(value: str) -> None:
    with pytest.raises(SpecError) as caught:
        _query("rate(x[{{args.window}}]) * {{args.window}}", window=value)
    assert "argument 'window'" in str(caught.value)
    assert caught.value.path == "q"


@pytest.mark.parametrize("value", ["5m", "1h30m", "30s", "0.95", "42", "my_metric", "job:rate5m"])
def test_numbers_durations_and_names_are_accepted_bare(value: str) -> None:
    assert _query("x[{{args.w}}] > {{args.w}}", w=value) == f"x[{value}] > {value}"


def test_control_characters_are_refused_even_in_strings() -> None:
    with pytest.raises(SpecError, match="control character"):
        _query('x{a="{{args.v}}"}', v="a\x00b")


def test_raw_strings_refuse_their_closing_quote_and_comments_refuse_line_breaks() -> None:
    assert _query("x{a=~`{{args.v}}`}", v='a"b') == 'x{a=~`a"b`}'
    with pytest.raises(SpecError, match="raw string"):
        _query("x{a=~`{{args.v}}`}", v="a`b")
    assert _query("x # {{args.v}}\n+ 1", v="anything at all") == "x # anything at all\n+ 1"
    with pytest.raises(SpecError, match="line break"):
        _query("x # {{args.v}}\n+ 1", v="a\nor vector(1)")


def test_only_args_and_elapsed_exist_and_values_are_never_expanded_again() -> None:
    with pytest.raises(SpecError, match="unknown placeholder"):
        _query('x{a="{{ env "HOME" }}"}')
    with pytest.raises(SpecError, match="not declared"):
        _query('x{a="{{args.nope}}"}')
    assert _query('x{a="{{args.v}}"}[{{elapsed}}]', v="{{elapsed}}") == 'x{a="{{elapsed}}"}[300s]'


def test_elapsed_is_whole_seconds_and_at_least_one() -> None:
    template = compile_query("increase(x[{{ elapsed }}])", args={}, path="q")
    assert template.uses_elapsed
    assert template.render(elapsed=timedelta(0)).text == "increase(x[1s])"
    assert template.render(elapsed=timedelta(seconds=315.9)).text == "increase(x[315s])"


def test_secret_values_are_masked_in_the_shown_query_only() -> None:
    args = {"token": ArgValue('s3cr"t', secret=True), "app": ArgValue("web")}
    rendered = compile_query(
        'x{app="{{args.app}}", token="{{args.token}}"}', args=args, path="q"
    ).render(elapsed=timedelta(0))
    assert rendered.text == 'x{app="web", token="s3cr\\"t"}'
    assert rendered.shown == 'x{app="web", token="***"}'
    assert "s3cr" not in repr(rendered) + repr(args["token"])


def test_conditions_escape_cel_strings_and_take_only_numbers_bare() -> None:
    rendered = render_condition(
        'result == "{{args.want}}" || result[0] >= {{args.min}}',
        args={"want": ArgValue('It "worked"\n'), "min": ArgValue("3")},
        path="c",
    )
    assert rendered.text == 'result == "It \\"worked\\"\\n" || result[0] >= 3'
    for bad in ("1 || true", "result", "3)", "true || 1 == 1"):
        with pytest.raises(SpecError, match="only a number or true/false"):
            render_condition("result[0] >= {{args.min}}", args={"min": ArgValue(bad)}, path="c")
    with pytest.raises(SpecError, match="only available in queries"):
        render_condition("result > {{elapsed}}", args={}, path="c")


def test_fields_take_values_verbatim_for_their_own_parser() -> None:
    assert render_field("{{args.i}}", args={"i": ArgValue("30s")}, path="f").text == "30s"
    assert render_field("plain", args={}, path="f").text == "plain"


@pytest.mark.parametrize(
    ("text", "contexts"),
    [
        ('a{b="{{x}}"} {{y}}', ["string", "bare"]),
        ("a{b='{{x}}'} # {{y}}\n{{z}}", ["string", "comment", "bare"]),
        ('a{b="\\"{{x}}"}', ["string"]),
        ("a{b=`\\{{x}}`}{{y}}", ["raw", "bare"]),
    ],
)
def test_the_promql_scanner_knows_strings_raw_strings_and_comments(
    text: str, contexts: list[str]
) -> None:
    assert [p.context for p in find_placeholders(text, language="promql")] == contexts


@pytest.mark.parametrize(
    ("text", "contexts"),
    [
        ('result == "{{x}}" && {{y}}', ["string", "bare"]),
        ('r"{{x}}" + """{{y}}""" + {{z}} // {{w}}', ["raw", "raw", "bare", "comment"]),
    ],
)
def test_the_cel_scanner_knows_raw_and_triple_quoted_strings(
    text: str, contexts: list[str]
) -> None:
    assert [p.context for p in find_placeholders(text, language="cel")] == contexts
