"""PSJNet + EN in torch: shapes, branch isolation (seed 003's point), ONNX agreement."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hdr_live.lift.graph import LEVELS
from hdr_live.lift.psjnet import PsjNetEn


def _inputs(b, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(b, 21, 2, generator=g), torch.randn(b, 21, 3, generator=g),
            (torch.rand(b, 21, generator=g) > 0.3).float())


def test_forward_shapes():
    torch.manual_seed(0)
    model = PsjNetEn().eval()
    parts, final = model.forward_all(*_inputs(5))
    assert parts.shape == (5, 4, 16, 3) and final.shape == (5, 21, 3)
    assert torch.equal(model(*_inputs(5)), final)


@pytest.mark.parametrize("level", range(4))
def test_a_branch_never_sees_its_removed_joints(level):
    torch.manual_seed(1)
    model = PsjNetEn().eval()
    q, w, v = _inputs(3)
    q2, w2, v2 = q.clone(), w.clone(), v.clone()
    removed = list(LEVELS[level])
    q2[:, removed] += 5.0
    w2[:, removed] -= 3.0
    v2[:, removed] = 1.0 - v2[:, removed]
    with torch.inference_mode():
        a, _ = model.forward_all(q, w, v)
        b, _ = model.forward_all(q2, w2, v2)
    assert torch.allclose(a[:, level], b[:, level])
    others = [k for k in range(4) if k != level]
    assert not torch.allclose(a[:, others], b[:, others])


def test_onnx_agrees_with_torch(tmp_path):
    pytest.importorskip("onnxruntime")
    from hdr_live.models.onnx_export import cpu_session
    from training.lift_export import export_onnx

    torch.manual_seed(2)
    model = PsjNetEn().eval()
    for p in model.parameters():  # non-trivial edge weights and embeddings
        p.data += 0.05 * torch.randn_like(p)
    path = export_onnx(model, tmp_path / "m.onnx")
    session = cpu_session(path, threads=1)
    for b in (1, 7):  # dynamic batch
        q, w, v = _inputs(b, seed=b)
        with torch.inference_mode():
            ref = model(q, w, v).numpy()
        out = session.run(None, {"q": q.numpy(), "world": w.numpy(), "vis": v.numpy()})[0]
        assert out.shape == (b, 21, 3)
        assert np.abs(out - ref).max() < 1e-4
