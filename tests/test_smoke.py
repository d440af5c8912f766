from oracle.engine import store


def test_tiny_model_loads_and_answers(tiny_model):
    oracle = store.load(tiny_model)
    answer = "".join(oracle.ask("the fear of the lord", seed=1))
    assert len(answer) > 0
