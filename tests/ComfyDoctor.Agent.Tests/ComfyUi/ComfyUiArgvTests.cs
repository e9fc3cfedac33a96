using ComfyDoctor.Agent.ComfyUi;

namespace ComfyDoctor.Agent.Tests.ComfyUi;

/// <summary>Issue 15.5: the path options of a running ComfyUI's <c>sys.argv</c>, read as its argparse parser reads them.</summary>
public sealed class ComfyUiArgvTests
{
    [Fact]
    public void Reads_the_path_options_in_every_form_argparse_takes()
    {
        var args = ComfyUiArgv.Parse([
            "/opt/ComfyUI/main.py",
            "--listen",
            "0.0.0.0",
            "--extra-model-paths-config",
            "a.yaml",
            "b.yaml",
            "--base-dir=/srv/base",
            "--port",
            "8188",
            "--extra-model-paths-config=c.yaml",
            "--output-directory",
            "/out1",
            "--output-directory",
            "/out2",
            "--models-directory",
            "/models",
            "--database-url",
            "postgresql://user:secret@db/comfy",
        ])!;

        Assert.Equal("/opt/ComfyUI/main.py", args.Program);
        Assert.Equal(["a.yaml", "b.yaml", "c.yaml"], args.ExtraModelPathsConfigs);
        // the last one wins
        Assert.Equal(("/srv/base", "/out2", "/models"), (args.BaseDirectory, args.OutputDirectory, args.ModelsDirectory));
        Assert.DoesNotContain("secret", args.ToString(), StringComparison.Ordinal); // nothing else of the command line is kept
    }

    [Fact]
    public void Stops_at_double_dash_and_ignores_what_comfyui_would_have_refused()
    {
        var args = ComfyUiArgv.Parse([
            "main.py",
            "--base-directory",
            "--extra-model-paths-config",
            "x.yaml",
            "--",
            "--output-directory",
            "/nope",
        ])!;
        Assert.Null(args.BaseDirectory); // no value: argparse stops ComfyUI, so this cannot be what it runs with
        Assert.Equal(["x.yaml"], args.ExtraModelPathsConfigs);
        Assert.Null(args.OutputDirectory);
        Assert.Null(ComfyUiArgv.Parse([]));
        Assert.Null(ComfyUiArgv.Parse(["main.py", "--b", "/ambiguous"])!.BaseDirectory); // --b could be --bf16-unet
    }
}
