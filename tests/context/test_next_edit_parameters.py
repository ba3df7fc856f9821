"""A definition's parameters changed (context.next_edit_parameters): the calls of its body that
pass its parameters on."""

from __future__ import annotations

from tests.context.next_edit_helpers import first_edit


def test_kwargs_added_to_a_method_are_passed_on_where_its_body_passes_the_last_parameter():
    src = ("class List(Field):\n    def _deserialize(self, value, attr, data):\n        self._check(value)\n"
           "        return self._load(value, data)\n")
    old, new = "attr, data):", "attr, data, **kwargs):"
    assert first_edit("python", src, old, new) == \
        src.replace(old, new).replace("self._load(value, data)", "self._load(value, data, **kwargs)")
    # A plain parameter added is no such thing: where it goes is a guess.
    assert first_edit("python", src, old, "attr, data, partial):") is None


def test_parameters_reordered_in_a_wrapper_are_reordered_where_its_body_passes_them_all_on_in_order():
    src = ("class Guard:\n    async def __call__(self, scope, send, receive):\n"
           "        if not self.allowed(scope):\n            return await self.deny(scope, send)\n"
           "        return await self.app(scope, send, receive)\n")
    out = first_edit("python", src, "scope, send, receive):", "scope, receive, send):")
    assert out == src.replace("scope, send, receive)", "scope, receive, send)")
    # a call that passes them in another order (or only some) is not a wrapper's: left alone
    other = src.replace("self.app(scope, send, receive)", "self.app(receive, scope, send)")
    assert first_edit("python", other, "scope, send, receive):", "scope, receive, send):") is None


def test_a_parameter_with_a_default_is_passed_on_by_name_where_the_wrapper_passes_its_parameters():
    src = ("class Schema:\n    def validate(self, data, many=None):\n"
           "        _, errors = self._do_load(data, many, postprocess=False)\n        return errors\n")
    out = first_edit("python", src, "many=None):", "many=None, partial=None):")
    assert out == src.replace("many=None):", "many=None, partial=None):").replace("many, postprocess", "many, partial=partial, postprocess")


def test_a_parameter_dropped_is_no_longer_passed_on_by_name_in_the_body():
    src = ("def _test_eval_token(self, expected, expression, use_decimal=False):\n"
           "    token = next(tokenizer(expression))\n"
           "    actual = ParserHelper.eval_token(token, use_decimal=use_decimal)\n"
           "    assert expected == actual\n")
    out = first_edit("python", src, "expression, use_decimal=False)", "expression)")
    assert out == src.replace("expression, use_decimal=False)", "expression)").replace(
        "eval_token(token, use_decimal=use_decimal)", "eval_token(token)")
