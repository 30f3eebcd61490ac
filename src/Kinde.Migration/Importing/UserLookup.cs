using Kinde.Migration.KindeApi;
using Kinde.Migration.Target;

namespace Kinde.Migration.Importing;

/// <summary>How a user is found in Kinde: by its email, or by its phone when it has no email (Kinde lists users by
/// either, several per request).</summary>
internal static class UserLookup
{
    /// <summary>The user's lookup key, or <see langword="null"/> when it has neither email nor phone.</summary>
    public static string? Key(KindeUser user) => user.Email is { } email ? "email:" + email : user.Phone is { } phone ? "phone:" + phone : null;

    /// <summary>Looks the users up with one request per kind; returns lookup key → Kinde user id (keys compare
    /// case-insensitively, as emails do).</summary>
    public static async Task<Dictionary<string, string>> FindAllAsync(IKindeApi api, IEnumerable<KindeUser> users, CancellationToken ct)
    {
        var list = users.ToList();
        var emails = list.Select(u => u.Email).OfType<string>().ToList();
        var phones = list.Where(u => u.Email is null).Select(u => u.Phone).OfType<string>().ToList();
        var found = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var user in emails.Count == 0 ? [] : await api.GetUsersByEmailAsync(emails, ct).ConfigureAwait(false))
        {
            if (user.Email is { } email)
            {
                found.TryAdd("email:" + email, user.Id);
            }
        }

        foreach (var user in phones.Count == 0 ? [] : await api.GetUsersByPhoneAsync(phones, ct).ConfigureAwait(false))
        {
            if (user.Phone is { } phone)
            {
                found.TryAdd("phone:" + phone, user.Id);
            }
        }

        return found;
    }

    /// <summary>Looks one user up; its Kinde id, or <see langword="null"/> when Kinde does not have it.</summary>
    public static async Task<string?> FindAsync(IKindeApi api, KindeUser user, CancellationToken ct) =>
        Key(user) is { } key && (await FindAllAsync(api, [user], ct).ConfigureAwait(false)).TryGetValue(key, out string? id) ? id : null;
}
