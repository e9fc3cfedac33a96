using ComfyDoctor.Agent.Nodes;

namespace ComfyDoctor.Agent.Tests.Nodes;

public sealed class PyProjectTests
{
    [Fact]
    public void Reads_project_name_and_version()
    {
        var text =
            "[build-system]\nrequires = [\"setuptools\"]\n\n[project]\nname = \"comfyui-impact-pack\"\nversion = \"8.8.1\"\n"
            + "dependencies = [\"segment-anything\"]\n\n[tool.comfy]\nPublisherId = \"dr-lt-data\"\n";
        Assert.Equal(("comfyui-impact-pack", "8.8.1"), PyProject.Read(text));
    }

    [Theory]
    [InlineData("[project\nname = ")] // unclosed table header
    [InlineData("[project]\nname = \"a\"\nname = \"b\"\n")] // duplicate key
    [InlineData("[project]\nname = \"\\uZZZZ\"\n")] // bad escape
    [InlineData("[project]\nversion = 1.2\nname = [\"not\", \"a string\"]\n")] // wrong types
    [InlineData("project = \"a string, not a table\"\n")]
    [InlineData("\0\u0001binary")]
    [InlineData("")]
    public void Broken_or_odd_files_say_nothing(string text) => Assert.Equal((null, null), PyProject.Read(text));

    [Fact]
    public void Dynamic_version_is_null()
    {
        Assert.Equal(("pack", null), PyProject.Read("[project]\nname = \"pack\"\ndynamic = [\"version\"]\n"));
    }
}
