using ComfyDoctor.Agent.Models;
using ComfyDoctor.Agent.Tests.Support;

namespace ComfyDoctor.Agent.Tests.Models;

public sealed class ModelRootResolverTests
{
    [Fact]
    public void Orders_roots_as_comfyui_does()
    {
        using var dir = new TempDir();
        dir.WriteText(
            "ComfyUI/extra_model_paths.yaml",
            "first:\n  base_path: /srv/a\n  is_default: true\n  loras: loras\nlater:\n  base_path: /srv/b\n  loras: loras\n"
        );
        var cli = dir.WriteText("cli.yaml", "cli:\n  base_path: /srv/c\n  loras: loras\n  custom_nodes: nodes\n");

        var roots = ModelRootResolver.Resolve(dir.Combine("ComfyUI"), [cli]);

        var loras = roots.ModelRoots.Where(r => r.FolderKey == "loras").Select(r => r.Path).ToList();
        // main.py adds <output>/loras after the YAML files' roots (CheckpointSave, LoRA training write there)
        Assert.Equal(
            [
                "/srv/a/loras",
                dir.Combine("ComfyUI", "models", "loras"),
                "/srv/b/loras",
                "/srv/c/loras",
                dir.Combine("ComfyUI", "output", "loras"),
            ],
            loras
        );
        Assert.Equal(
            [
                dir.Combine("ComfyUI", "models", "text_encoders"),
                dir.Combine("ComfyUI", "models", "clip"),
                dir.Combine("ComfyUI", "output", "clip"),
            ],
            roots.ModelRoots.Where(r => r.FolderKey == "text_encoders").Select(r => r.Path)
        );
        Assert.Equal(
            [
                dir.Combine("ComfyUI", "models", "unet"),
                dir.Combine("ComfyUI", "models", "diffusion_models"),
                dir.Combine("ComfyUI", "output", "diffusion_models"),
            ],
            roots.ModelRoots.Where(r => r.FolderKey == "diffusion_models").Select(r => r.Path)
        );
        Assert.Contains(roots.ModelRoots, r => r.FolderKey == "controlnet" && r.Path.EndsWith("t2i_adapter", StringComparison.Ordinal));
        Assert.Equal([dir.Combine("ComfyUI", "custom_nodes"), "/srv/c/nodes"], roots.CustomNodeRoots);
    }
}
