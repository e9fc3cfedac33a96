using ComfyDoctor.Core.NodeResolution;

namespace ComfyDoctor.Core.Tests.NodeResolution;

public sealed class WebCodeScannerTests
{
    [Fact]
    public void Finds_literal_static_and_assigned_registrations()
    {
        const string js = """
            import { app } from "../../scripts/app.js";
            app.registerExtension({
              name: "demo.virtual",
              registerCustomNodes() {
                class StoreNode extends LGraphNode { constructor() { super(); this.isVirtualNode = true; } }
                LiteGraph.registerNodeType("StoreNode", Object.assign(StoreNode, { title: "Store" }));
                LiteGraph.registerNodeType('FetchNode', class extends LGraphNode {});
                class Relay extends LGraphNode { static type = "Relay (demo)"; }
                LiteGraph.registerNodeType(Relay.type, Relay);
                function Tap() {}
                Tap.type = `Tap (demo)`;
                LiteGraph.registerNodeType(Tap.type, Tap);
              },
            });
            """;
        Assert.Equal(["StoreNode", "FetchNode", "Relay (demo)", "Tap (demo)"], WebCodeScanner.Find(js));
    }

    [Fact]
    public void Ignores_commented_out_registrations_and_unknown_names()
    {
        const string js = """
            // LiteGraph.registerNodeType("Old", Old);
            /* LiteGraph.registerNodeType("Older", Older); */
            LiteGraph.registerNodeType(nameFromServer, Node);
            LiteGraph.registerNodeType(Unknown.type, Unknown);
            const url = "http://example.invalid//path";
            """;
        Assert.Empty(WebCodeScanner.Find(js));
    }
}
