using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.DependencyInjection;

namespace ComfyDoctor.Server.Security;

/// <summary>
/// The dashboard's session (data-protection) keys: stored in the database (table data_protection_keys, migration 009), so
/// replicas behind a balancer share them with no shared folder; each key's XML sealed under the master key like the agents'
/// blob keys (<see cref="BlobKeys"/>), so a copy of the database alone forges no cookie. One application name for every replica.
/// </summary>
public static class SessionKeys
{
    public const string ApplicationName = "comfydoctor";

    public static void AddSessionKeys(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName(ApplicationName).PersistKeysToDbContext<Store.ComfyDoctorDb>();
        services.AddOptions<KeyManagementOptions>().Configure<BlobKeys>((options, keys) => options.XmlEncryptor = new Encryptor(keys));
    }

    /// <summary>A key's XML as <c>&lt;sealed&gt;aesgcm1:…&lt;/sealed&gt;</c>.</summary>
    private sealed class Encryptor(BlobKeys keys) : IXmlEncryptor
    {
        public EncryptedXmlInfo Encrypt(XElement plaintextElement) =>
            new(
                new XElement("sealed", keys.Protect(ApplicationName, plaintextElement.ToString(SaveOptions.DisableFormatting))),
                typeof(Decryptor)
            );
    }

    /// <summary>Created by the framework for each sealed key it reads; finds the master key among the services.</summary>
    private sealed class Decryptor(IServiceProvider services) : IXmlDecryptor
    {
        public XElement Decrypt(XElement encryptedElement) =>
            XElement.Parse(services.GetRequiredService<BlobKeys>().Reveal(ApplicationName, encryptedElement.Value));
    }
}
