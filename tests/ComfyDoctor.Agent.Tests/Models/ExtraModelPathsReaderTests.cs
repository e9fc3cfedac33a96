using ComfyDoctor.Agent.Models;
using ComfyDoctor.Agent.Tests.Support;

namespace ComfyDoctor.Agent.Tests.Models;

public sealed class ExtraModelPathsReaderTests
{
    [Fact]
    public void Reads_sections_base_path_blocks_and_defaults()
    {
        using var dir = new TempDir();
        var yaml = dir.WriteText(
            "conf/extra_model_paths.yaml",
            """
            a111:
                base_path: ../webui/
                checkpoints: models/Stable-diffusion
                loras: |
                    models/Lora
                    models/LyCORIS
                clip: models/clip
                unet: models/unet
                custom_nodes: extensions/nodes
            shared:
                base_path: /mnt/models
                is_default: true
                vae: vae
            nobase:
                upscale_models: relative/upscalers
            empty:
            """
        );

        var result = ExtraModelPathsReader.Read(yaml);

        string Root(string key, int index = 0) => result.ModelRoots.Where(r => r.FolderKey == key).ElementAt(index).Path;
        Assert.Equal(dir.Combine("webui", "models", "Stable-diffusion"), Root("checkpoints"));
        Assert.Equal(dir.Combine("webui", "models", "Lora"), Root("loras"));
        Assert.Equal(dir.Combine("webui", "models", "LyCORIS"), Root("loras", 1));
        Assert.Equal(dir.Combine("webui", "models", "clip"), Root("text_encoders"));
        Assert.Equal(dir.Combine("webui", "models", "unet"), Root("diffusion_models"));
        Assert.Equal("/mnt/models/vae", Root("vae"));
        Assert.True(result.ModelRoots.Single(r => r.FolderKey == "vae").IsDefault);
        Assert.Equal(dir.Combine("conf", "relative", "upscalers"), Root("upscale_models"));
        Assert.Equal([dir.Combine("webui", "extensions", "nodes")], result.CustomNodeRoots);
        Assert.Contains("[a111]", result.ModelRoots[0].Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Expands_home_and_environment_variables_in_base_path()
    {
        using var dir = new TempDir();
        Environment.SetEnvironmentVariable("CD_TEST_MODELS", dir.Combine("envmodels"));
        try
        {
            var yaml = dir.WriteText(
                "x.yaml",
                "one:\n  base_path: $CD_TEST_MODELS\n  loras: l\ntwo:\n  base_path: ~/m\n  vae: v\nthree:\n  base_path: "
                    + "${CD_TEST_MODELS}/sub\n  gligen: g\n"
            );
            var roots = ExtraModelPathsReader.Read(yaml).ModelRoots;
            Assert.Equal(dir.Combine("envmodels", "l"), roots.Single(r => r.FolderKey == "loras").Path);
            Assert.Equal(
                Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), "m", "v"),
                roots.Single(r => r.FolderKey == "vae").Path
            );
            Assert.Equal(dir.Combine("envmodels", "sub", "g"), roots.Single(r => r.FolderKey == "gligen").Path);
        }
        finally
        {
            Environment.SetEnvironmentVariable("CD_TEST_MODELS", null);
        }
    }

    [Theory]
    [InlineData("a:\n  loras: [x, y]\n", "x.yaml:2: 'a.loras' must be a path or a '|' block of paths")]
    [InlineData("- a\n- b\n", "x.yaml:1: expected sections")]
    [InlineData("a:\n  loras: \"unclosed\n", "x.yaml:")]
    [InlineData("a: 3\n", "x.yaml:1: section 'a' must map folder keys to paths")]
    public void Malformed_yaml_names_file_and_line(string content, string expected)
    {
        using var dir = new TempDir();
        var yaml = dir.WriteText("x.yaml", content);
        var e = Assert.Throws<InvalidDataException>(() => ExtraModelPathsReader.Read(yaml));
        Assert.StartsWith(yaml.Replace("x.yaml", "", StringComparison.Ordinal), e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
