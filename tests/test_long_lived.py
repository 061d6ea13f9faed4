"""Server processes freeze what they loaded out of the cyclic collector's
way (config/long_lived.py, issue 15)."""
import gc

from config import gunicorn


def test_a_gunicorn_worker_freezes_the_loaded_app():
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        gunicorn.post_worker_init(worker=None)
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
