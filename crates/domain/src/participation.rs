//! Participation (đăng ký / giao ước thi đua): a unit pledges to take part in a campaign.

use crate::campaign::CampaignStatus;
use crate::error::{FieldError, UserErrorCode};
use crate::msg;

string_enum!(
    ParticipationStatus {
        Registered => "REGISTERED",
        Withdrawn => "WITHDRAWN",
    }
);

/// Units register only while a campaign runs.
pub fn check_register(
    campaign: CampaignStatus,
    current: Option<ParticipationStatus>,
) -> Result<(), FieldError> {
    if campaign != CampaignStatus::Launched {
        return Err(FieldError::new(
            "campaignId",
            UserErrorCode::NotLaunched,
            msg!("register-not-launched"),
        ));
    }
    if current == Some(ParticipationStatus::Registered) {
        return Err(FieldError::new(
            "unitId",
            UserErrorCode::AlreadyRegistered,
            msg!("already-registered"),
        ));
    }
    Ok(())
}

pub fn check_withdraw(
    campaign: CampaignStatus,
    current: Option<ParticipationStatus>,
) -> Result<(), FieldError> {
    if campaign != CampaignStatus::Launched {
        return Err(FieldError::new(
            "campaignId",
            UserErrorCode::NotLaunched,
            msg!("withdraw-not-launched"),
        ));
    }
    if current != Some(ParticipationStatus::Registered) {
        return Err(FieldError::new(
            "unitId",
            UserErrorCode::NotRegistered,
            msg!("not-registered"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_needs_a_launched_campaign_and_no_active_pledge() {
        use ParticipationStatus::*;
        assert!(check_register(CampaignStatus::Launched, None).is_ok());
        assert!(check_register(CampaignStatus::Launched, Some(Withdrawn)).is_ok());
        assert_eq!(
            check_register(CampaignStatus::Draft, None)
                .unwrap_err()
                .code,
            UserErrorCode::NotLaunched
        );
        assert_eq!(
            check_register(CampaignStatus::Launched, Some(Registered))
                .unwrap_err()
                .code,
            UserErrorCode::AlreadyRegistered
        );
        assert_eq!(
            check_withdraw(CampaignStatus::Launched, None)
                .unwrap_err()
                .code,
            UserErrorCode::NotRegistered
        );
        assert!(check_withdraw(CampaignStatus::Launched, Some(Registered)).is_ok());
    }
}
