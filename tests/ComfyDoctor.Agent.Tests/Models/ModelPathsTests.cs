using ComfyDoctor.Agent.Models;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Core.Inventory;
using ComfyDoctor.Core.Models;

namespace ComfyDoctor.Agent.Tests.Models;

public sealed class ModelPathsTests
{
    [Fact]
    public void Joins_inside_the_root_even_when_the_root_itself_is_a_symlink()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("store", "loras"));
        Directory.CreateDirectory(dir.Combine("models"));
        Directory.CreateSymbolicLink(dir.Combine("models", "loras"), dir.Combine("store", "loras"));
        var root = new ModelRoot("loras", dir.Combine("models", "loras"), "default");

        Assert.Equal(
            dir.Combine("models", "loras", "sub", "x.safetensors"),
            ModelPaths.Resolve(root, ModelIdentity.Parse("loras/sub/x.safetensors"))
        );
    }

    [Fact]
    public void Refuses_a_symlinked_folder_that_leads_out_of_the_root()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("models", "loras"));
        Directory.CreateDirectory(dir.Combine("outside"));
        Directory.CreateSymbolicLink(dir.Combine("models", "loras", "evil"), dir.Combine("outside"));
        var root = new ModelRoot("loras", dir.Combine("models", "loras"), "default");

        var e = Assert.Throws<InvalidDataException>(() => ModelPaths.Resolve(root, ModelIdentity.Parse("loras/evil/deeper/x.safetensors")));
        Assert.Contains("leads outside the model root", e.Message, StringComparison.Ordinal);
    }
}
