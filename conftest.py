"""nbval settings for notebooks/*.ipynb: stderr (warnings with kernel-specific paths) is not compared."""


def pytest_collectstart(collector):
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("stderr",)
