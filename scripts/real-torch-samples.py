#!/usr/bin/env python3
# Issue 17, docs/reliability.md case 25: real torch.save and numpy outputs, and what torch's own weights_only
# loader says of each (truth.json). Needs torch and numpy (Debian: apt-get install python3-torch python3-numpy).
# Usage: /usr/bin/python3 scripts/real-torch-samples.py OUT_DIR; then run ModelFormatChecker.Check on every file.
import sys, os, io, json, argparse, collections, warnings
import numpy as np, torch
warnings.filterwarnings("ignore")
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
files = {}

# A stand-in for Lightning's callback module (a real module, so the pickler writes a real reference)
pkg = os.path.join(out, "stub", "pytorch_lightning", "callbacks")
os.makedirs(pkg, exist_ok=True)
for d in (os.path.dirname(pkg), pkg):
    open(os.path.join(d, "__init__.py"), "w").close()
open(os.path.join(pkg, "model_checkpoint.py"), "w").write("class ModelCheckpoint:\n    pass\n")
sys.path.insert(0, os.path.join(out, "stub"))
from pytorch_lightning.callbacks.model_checkpoint import ModelCheckpoint

def save(name, obj, **kw):
    torch.save(obj, os.path.join(out, name), **kw)
    files[name] = "torch.save" + (" " + str(kw) if kw else "")

lin = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.LayerNorm(3))
save("state_dict.pt", lin.state_dict())
save("state_dict_legacy.pt", lin.state_dict(), _use_new_zipfile_serialization=False)
save("parameters.pth", dict(lin.named_parameters()))
save("mixed_dtypes.ckpt", {"h": torch.zeros(2, dtype=torch.half), "b": torch.zeros(2, dtype=torch.bfloat16),
                           "i8": torch.zeros(2, dtype=torch.int8), "c": torch.zeros(2, dtype=torch.complex64),
                           "bool": torch.zeros(2, dtype=torch.bool), "l": torch.arange(3)})
save("sd_like.ckpt", {"state_dict": lin.state_dict(), "global_step": np.float64(470000.0), "epoch": 6,
                      "callbacks": {ModelCheckpoint: {}}, "dtype": np.dtype("float64")})
save("quantised.pt", {"q": torch.quantize_per_tensor(torch.rand(4), 0.1, 2, torch.qint8)})
save("sparse.pt", {"s": torch.eye(3).to_sparse()})
save("containers.pt", {"od": collections.OrderedDict(a=1), "l": [1, 2.5, None, True], "t": (1, "x"), "set": {1, 2},
                       "bytes": b"\x00\xffabc", "ba": bytearray(b"x"), "c": 1 + 2j, "size": torch.Size([2, 3]),
                       "dev": torch.device("cpu")})
save("protocol4.pt", lin.state_dict(), pickle_protocol=4)
save("hparams_namespace.ckpt", {"state_dict": lin.state_dict(), "hparams": argparse.Namespace(lr=0.1)})
save("numpy_array_inside.ckpt", {"w": np.zeros(3, dtype=np.float32)})
np.save(os.path.join(out, "floats.npy"), np.zeros((2, 3), dtype=np.float32)); files["floats.npy"] = "np.save"
np.save(os.path.join(out, "objects.npy"), np.array([1, "a", None], dtype=object), allow_pickle=True); files["objects.npy"] = "np.save object"
np.savez(os.path.join(out, "arrays.npz"), a=np.ones(3), b=np.arange(4)); files["arrays.npz"] = "np.savez"
np.savez_compressed(os.path.join(out, "arrays_compressed.npz"), a=np.ones(3)); files["arrays_compressed.npz"] = "np.savez_compressed"

truth = {}
for name in files:
    path = os.path.join(out, name)
    if name.endswith((".npy", ".npz")):
        try:
            r = np.load(path, allow_pickle=False)
            if hasattr(r, "files"): [r[k] for k in r.files]
            truth[name] = "loads without pickle"
        except Exception as e:
            truth[name] = "needs allow_pickle: " + type(e).__name__
        continue
    try:
        torch.load(path, weights_only=True)
        truth[name] = "weights_only loads it"
    except Exception as e:
        truth[name] = "weights_only refuses: " + str(e).splitlines()[0][:150]
json.dump({"torch": torch.__version__, "numpy": np.__version__, "files": files, "truth": truth}, open(os.path.join(out, "truth.json"), "w"), indent=1)
print(json.dumps(truth, indent=1))
