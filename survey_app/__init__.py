"""survey_app"""
