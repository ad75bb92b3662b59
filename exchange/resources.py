"""Files shipped with the package: the sample packages and the demo seed.

An installed wheel carries ``samples/`` as the package ``exchange._samples``;
a checkout has them in ``samples/`` beside the package.
"""

from __future__ import annotations

from pathlib import Path


def samples_dir() -> Path:
    """Return the folder of the shipped samples."""
    packaged = Path(__file__).resolve().parent / "_samples"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[1] / "samples"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        "the samples folder is missing from this installation; reinstall the "
        "package or run from a checkout"
    )


def demo_seed() -> Path:
    """Return the emulator seed that matches the orders samples."""
    return samples_dir() / "bitrix24" / "portal.json"


def orders_samples() -> list[Path]:
    """Return the valid orders samples, in the order 1C would send them."""
    return sorted(samples_dir().glob("orders_*.json"))
