using ComfyDoctor.Server.Security;

namespace ComfyDoctor.Server.Dashboard.Data;

/// <summary>Whether the signed-in user may change things (the server checks again on every action).</summary>
public static class Admin
{
    public static bool Can(HttpContext? context) => context?.User.IsInRole(TokenAuthentication.AdminRole) == true;
}
