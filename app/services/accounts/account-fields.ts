// The account forms' field and change names, apart from the services (which hash passwords on the server) so pages can
// import them.

export const PASSWORD_CHANGE_FIELDS = ["currentPassword", "newPassword", "confirmPassword"] as const;
export type PasswordChangeField = (typeof PASSWORD_CHANGE_FIELDS)[number];

export const NEW_MEMBER_FIELDS = ["displayName", "email", "password"] as const;
export type NewMemberField = (typeof NEW_MEMBER_FIELDS)[number];

export const MEMBER_CHANGES = ["disable", "enable", "make_admin", "revoke_admin", "reset_password"] as const;
export type MemberChange = (typeof MEMBER_CHANGES)[number];
