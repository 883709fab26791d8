"""pytest for the flows' shared package (flows/etl): run by npm test with the locked flows environment."""
import sys
from pathlib import Path

# The flows import `etl` from their own folder, as the worker does.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "flows"))
