using System.Net.Http.Headers;

namespace ComfyDoctor.Server.Tests.Catalog;

/// <summary>
/// Issue 15.2: the node catalog lives on the server. A hint-free copy of a real corpus workflow resolves to its packs once
/// ComfyUI-Manager's real files are imported; the import and the admin's pins re-resolve every registered workflow.
/// Run on SQLite and on PostgreSQL.
/// </summary>
public abstract class CatalogContract
{
    private const string KjNodes = "https://github.com/kijai/ComfyUI-KJNodes";
    private const string Vhs = "https://github.com/Kosinkadink/ComfyUI-VideoHelperSuite";

    protected abstract Task<string?> DatabaseAsync();

    [Fact]
    public async Task A_hint_free_real_workflow_resolves_to_its_packs_with_the_imported_catalog_and_follows_a_pin()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync());
        using var admin = server.Admin();
        var workflow = CorpusFiles.HintFree(CorpusFiles.KjWorkflow);

        // Before any import: the server resolves with no catalog, every custom type is unresolved (the measurement).
        var before = await RegisterAsync(admin, "leapfusion", workflow);
        Assert.Empty(Urls(before));
        Assert.Contains("ImageResizeKJ", Unresolved(before));

        var imported = await ImportAsync(admin, CorpusFiles.NodeMap, CorpusFiles.NodeList, CorpusFiles.GithubStats);
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        var summary = JsonDocument.Parse(await imported.Content.ReadAsStringAsync()).RootElement;
        Assert.True(summary.GetProperty("packs").GetInt32() > 5000, summary.ToString());
        Assert.Equal(1, summary.GetProperty("workflowsResolved").GetInt32());

        // Registered before the import, re-resolved by it.
        var listed = await WorkflowAsync(admin, "leapfusion");
        Assert.Equal($"{Vhs} {KjNodes}", string.Join(" ", Urls(listed.GetProperty("requirements")).Order(StringComparer.Ordinal)));
        Assert.Empty(Unresolved(listed.GetProperty("requirements")));
        var resize = listed
            .GetProperty("resolution")
            .GetProperty("nodes")
            .EnumerateArray()
            .Single(n => n.GetProperty("type").GetString() == "ImageResizeKJ");
        Assert.Equal("exactName", resize.GetProperty("evidence").GetString());
        Assert.NotEmpty(resize.GetProperty("alternatives").EnumerateArray());

        // Registered after: resolved on registration, as `comfydoctor resolve` does.
        var again = await RegisterAsync(admin, "leapfusion-2", workflow);
        Assert.Equal($"{Vhs} {KjNodes}", string.Join(" ", Urls(again).Order(StringComparer.Ordinal)));

        var catalog = JsonDocument.Parse(await admin.GetStringAsync("admin/node-catalog")).RootElement;
        Assert.Equal(
            ["custom-node-list.json", "extension-node-map.json", "github-stats.json"],
            catalog.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("file").GetString()!).Order(StringComparer.Ordinal)
        );
        Assert.All(catalog.GetProperty("files").EnumerateArray(), f => Assert.Equal("admin", f.GetProperty("importedBy").GetString()));

        // A pin moves ImageResizeKJ to the runner-up: both workflows follow, and the change is audited.
        var runnerUp = resize.GetProperty("alternatives")[0].GetString()!;
        var pins = $"packs:\n  - name: other\n    url: {runnerUp}\n    version: 1.0.0\nnodes:\n  ImageResizeKJ: other\n";
        var pinned = await admin.PutAsync("admin/pins", new StringContent(pins));
        Assert.Equal(HttpStatusCode.OK, pinned.StatusCode);
        foreach (var name in new[] { "leapfusion", "leapfusion-2" })
        {
            var needs = (await WorkflowAsync(admin, name)).GetProperty("requirements");
            var other = needs.GetProperty("nodePacks").EnumerateArray().Single(p => p.GetProperty("url").GetString() == runnerUp);
            // the pinned type, and any other type the pinned pack also lists (a pinned pack is preferred among candidates)
            Assert.Contains("ImageResizeKJ", other.GetProperty("nodeTypes").EnumerateArray().Select(t => t.GetString()));
            Assert.Equal("1.0.0", other.GetProperty("version").GetString());
        }

        var stored = JsonDocument.Parse(await admin.GetStringAsync("admin/pins")).RootElement;
        Assert.Equal("other", stored.GetProperty("nodes").GetProperty("ImageResizeKJ").GetString());
        var audit = JsonDocument
            .Parse(await admin.GetStringAsync("admin/audit?size=500"))
            .RootElement.EnumerateArray()
            .Select(a => a.GetProperty("action").GetString())
            .ToList();
        Assert.Contains("catalog.import", audit);
        Assert.Contains("pins.set", audit);
        Assert.True(JsonDocument.Parse(await admin.GetStringAsync("admin/audit/verify")).RootElement.GetProperty("intact").GetBoolean());
    }

    [Fact]
    public async Task A_malformed_file_or_pins_is_refused_with_where_and_nothing_is_stored()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync());
        using var admin = server.Admin();
        Assert.Equal(HttpStatusCode.OK, (await ImportAsync(admin, CorpusFiles.NodeMap)).StatusCode);
        var first = JsonDocument
            .Parse(await admin.GetStringAsync("admin/node-catalog"))
            .RootElement.GetProperty("files")[0]
            .GetProperty("sha256")
            .GetString();

        var work = Directory.CreateTempSubdirectory("cdcat-");
        try
        {
            var broken = Path.Combine(work.FullName, "extension-node-map.json");
            await File.WriteAllTextAsync(broken, "{\"https://github.com/a/b\": [[\"X\"], {}],\n \"https://github.com/c/d\": [[\"Y\"}");
            var stats = Path.Combine(work.FullName, "github-stats.json");
            await File.WriteAllTextAsync(stats, "{}");
            var refused = await ImportAsync(admin, stats, broken);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var why = await refused.Content.ReadAsStringAsync();
            Assert.Contains("extension-node-map.json", why, StringComparison.Ordinal);
            Assert.Contains("line 2", why, StringComparison.Ordinal);

            var unknown = Path.Combine(work.FullName, "notes.json");
            await File.WriteAllTextAsync(unknown, "{}");
            var unnamed = await ImportAsync(admin, unknown);
            Assert.Equal(HttpStatusCode.BadRequest, unnamed.StatusCode);
            Assert.Contains("notes.json", await unnamed.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            var after = JsonDocument.Parse(await admin.GetStringAsync("admin/node-catalog")).RootElement.GetProperty("files");
            Assert.Equal(1, after.GetArrayLength()); // the stats file of the refused import was not stored either
            Assert.Equal(first, after[0].GetProperty("sha256").GetString());

            var badPins = await admin.PutAsync("admin/pins", new StringContent("packs:\n  - name: a\nnodes:\n  X: a\n"));
            Assert.Equal(HttpStatusCode.BadRequest, badPins.StatusCode);
            Assert.Contains("packs[0].url", await badPins.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(0, JsonDocument.Parse(await admin.GetStringAsync("admin/pins")).RootElement.GetProperty("packs").GetArrayLength());
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_file_over_the_limit_is_refused_unread_with_413()
    {
        await using var server = await TestServer.StartAsync(await DatabaseAsync(), configure: o =>
            o with
            {
                MaxCatalogFileBytes = 1 << 20,
            }
        );
        using var admin = server.Admin();
        var refused = await ImportAsync(admin, CorpusFiles.NodeMap);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Contains("extension-node-map.json", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var status = JsonDocument.Parse(await admin.GetStringAsync("admin/node-catalog")).RootElement;
        Assert.Equal(0, status.GetProperty("files").GetArrayLength());
    }

    internal static async Task<HttpResponseMessage> ImportAsync(HttpClient admin, params string[] files)
    {
        using var form = new MultipartFormDataContent();
        foreach (var file in files)
        {
            var part = new StreamContent(File.OpenRead(file));
            part.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            form.Add(part, "files", Path.GetFileName(file));
        }

        return await admin.PutAsync("admin/node-catalog", form);
    }

    private static async Task<JsonElement> RegisterAsync(HttpClient admin, string name, string workflow)
    {
        var added = await admin.PostAsync($"admin/workflows?name={name}", new StringContent(workflow));
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        return JsonDocument.Parse(await added.Content.ReadAsStringAsync()).RootElement;
    }

    private static async Task<JsonElement> WorkflowAsync(HttpClient admin, string name) =>
        JsonDocument
            .Parse(await admin.GetStringAsync("admin/workflows"))
            .RootElement.EnumerateArray()
            .Single(w => w.GetProperty("name").GetString() == name);

    private static IEnumerable<string> Urls(JsonElement requirements) =>
        requirements.GetProperty("nodePacks").EnumerateArray().Select(p => p.GetProperty("url").GetString()!);

    private static IEnumerable<string> Unresolved(JsonElement requirements) =>
        requirements.GetProperty("unresolved").EnumerateArray().Select(p => p.GetProperty("nodeType").GetString()!);
}

public sealed class SqliteCatalogTests : CatalogContract
{
    protected override Task<string?> DatabaseAsync() => Task.FromResult<string?>(null);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresCatalogTests(Postgres postgres) : CatalogContract
{
    protected override async Task<string?> DatabaseAsync() => await postgres.NewDatabaseAsync();
}
